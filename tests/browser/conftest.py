"""Browser fixtures: the session's app served over HTTP, and Debian's chromium driven by Playwright.

The live server serves ``_session_app`` (its tables already made by tests/conftest.py), so a
test seeds data with the ``app`` fixture and tests/factories.py, then drives the browser.
Nothing is downloaded: Playwright launches the system chromium, and if it is missing the
tests fail with the command that installs it.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import repo_root

HERE = Path(__file__).resolve().parent
ARTIFACTS = repo_root() / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
INSTALL_HINT = "Install Debian's chromium (as root): apt-get install -y chromium"
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class LiveServer:
    """The app on a free local port in a daemon thread; keeps what it raised while serving."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.errors: list[BaseException] = []
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )
        got_request_exception.connect(self._record_error, app)

    def _record_error(self, sender: Flask, exception: BaseException, **_: Any) -> None:
        self.errors.append(exception)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        got_request_exception.disconnect(self._record_error, self.app)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(_session_app: Flask) -> Iterator[LiveServer]:
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # no line per request in the test output
    server = LiveServer(_session_app)
    server.start()
    yield server
    server.stop()
    werkzeug_log.setLevel(level)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(f"chromium is not on PATH. {INSTALL_HINT}", pytrace=False)
    try:
        browser = playwright_instance.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:  # noqa: BLE001 - any launch failure means the same fix
        pytest.fail(f"chromium at {executable} did not start: {exc}\n{INSTALL_HINT}", pytrace=False)
    yield browser
    browser.close()


@pytest.fixture
def new_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """Open pages, each in its own fresh context (cookies, storage), on the live server.

    ``new_page(java_script_enabled=False)`` gives a page without JavaScript. On failure
    every page opened is saved as a screenshot under test-artifacts/.
    """
    contexts = []
    live_server.errors.clear()

    def _open(**context_options: Any) -> Page:
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _open

    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                path = ARTIFACTS / f"{name}-{n}-{m}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                except Exception:  # noqa: BLE001, S112 - a screenshot is only a help
                    continue
    for context in contexts:
        context.close()
    errors, live_server.errors[:] = list(live_server.errors), []
    assert not errors, f"the live server raised: {errors!r}"


@pytest.fixture
def page(new_page: Any) -> Page:
    """A page in a fresh browser context, with a 10 s default timeout."""
    return new_page()
