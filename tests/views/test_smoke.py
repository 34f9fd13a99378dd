from tests.conftest import login


def test_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "How can we help?" in response.get_data(as_text=True)


def test_customer_signs_in_and_lands_on_their_tickets(client, customer):
    response = login(client, customer.email)
    assert response.headers["Location"].endswith("/")
    page = client.get("/", follow_redirects=True)
    assert "My problems" in page.get_data(as_text=True)
