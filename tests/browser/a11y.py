"""Run axe-core in the page and fail on serious or critical violations.

axe-playwright-python reads its bundled ``axe.min.js`` from the package and injects it with
``page.evaluate``, so the check needs no network.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = frozenset({"serious", "critical"})
_axe = Axe()


def assert_accessible(page: Page, context: str | None = None) -> None:
    """Fail when axe finds a serious or critical violation on the page as it stands now."""
    results = _axe.run(page, context=context)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    lines = []
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
    assert not blocking, f"axe found accessibility violations on {page.url}:\n" + "\n".join(lines)
