"""Formatted text: Markdown in, only the allow-listed HTML out."""

from __future__ import annotations

import pytest

from helpdesk.formatting import markdown, sanitise_html


def test_markdown_keeps_the_allowed_formatting() -> None:
    html = markdown("**bold** and *it*\n\n- one\n- two\n\n> quoted\n\n    code\n\n`x`")
    for tag in ("<strong>", "<em>", "<ul>", "<li>", "<blockquote>", "<pre>", "<code>"):
        assert tag in html


def test_typed_script_tags_come_out_as_text() -> None:
    html = markdown("hello <script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)" onmouseover="alert(2)">hi</p>',
        '<svg onload="alert(1)"><circle r="5"/></svg>',
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<p style="position:fixed">x</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<form action="/logout"><button>x</button></form>',
    ],
)
def test_dangerous_html_is_removed(payload: str) -> None:
    html = sanitise_html(payload).lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "<svg",
        "javascript:",
        "data:",
        "<iframe",
        "<style",
        "style=",
        "<form",
        "<button",
        "<img",
    ):
        assert bad not in html, (payload, html)


@pytest.mark.parametrize(
    "payload",
    [
        '<a href="https://ok.example" hx-get="/staff/x" hx-trigger="load">x</a>',
        '<p data-hx-post="/logout" data-hx-trigger="load" hx-on:click="x">x</p>',
        '<div hx-get="/x" hx-swap="outerHTML" hx-target="body">x</div>',
    ],
)
def test_htmx_attributes_are_stripped(payload: str) -> None:
    html = sanitise_html(payload)
    assert "hx-" not in html
    assert "data-" not in html


def test_links_get_rel_and_only_safe_schemes() -> None:
    html = markdown("[site](https://example.com) [mail](mailto:a@example.com) [js](javascript:x)")
    assert '<a href="https://example.com" rel="noopener nofollow">site</a>' in html
    assert '<a href="mailto:a@example.com" rel="noopener nofollow">mail</a>' in html
    assert "javascript:" not in html.replace("[js](javascript:x)", "")
    assert 'href="javascript' not in html


def test_a_link_loses_every_attribute_but_href_and_rel() -> None:
    html = sanitise_html(
        '<a href="https://e.example" title="t" class="c" id="i" target="_blank" rel="opener">x</a>'
    )
    assert html == '<a href="https://e.example" rel="noopener nofollow">x</a>'


def test_relative_links_and_images_are_not_kept() -> None:
    assert "href" not in sanitise_html('<a href="/admin/users">x</a>')
    assert "<img" not in markdown("![pic](https://e.example/p.png)")


def test_empty_text_is_empty_markup() -> None:
    assert markdown(None) == "" and markdown("") == ""
