"""Heavy downloads (portfolio PDF and CSV, a customer's data zip) share a per-person limit."""

from __future__ import annotations

import pytest

from tests.conftest import CSRFClient, login
from tests.factories import make_learner


@pytest.fixture
def small_budget(app):
    app.config["DOWNLOAD_LIMIT_PER_USER"] = "3 per minute"
    yield
    app.config["DOWNLOAD_LIMIT_PER_USER"] = "20 per minute; 200 per hour"


def test_a_customers_data_downloads_are_limited_per_person(
    app, small_budget, customer, other_customer
):
    app.test_client_class = CSRFClient
    mine, theirs = app.test_client(), app.test_client()
    login(mine, customer.email)
    login(theirs, other_customer.email)
    statuses = [mine.post("/my/data/download").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Slow down" in mine.post("/my/data/download").get_data(as_text=True)
    assert theirs.post("/my/data/download").status_code == 200  # someone else's budget


def test_the_portfolio_exports_share_one_budget(app, small_budget, client):
    learner = make_learner()
    login(client, learner.email)
    base = f"/portfolio/{learner.id}"
    assert client.get(f"{base}/export.csv").status_code == 200
    assert client.get(f"{base}/export.csv").status_code == 200
    assert client.get(f"{base}/export.pdf").status_code == 200
    assert client.post(f"{base}/export/prepare").status_code == 429
    assert client.get(f"{base}/export.csv").status_code == 429
