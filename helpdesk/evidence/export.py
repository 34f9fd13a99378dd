"""The portfolio exported for an external verifier: a PDF (WeasyPrint) and a CSV.

Both draw only from ``build_export`` (``export_model``): the portfolio read once, every
text passed through the portfolio's own redaction, as on the portfolio pages.

The PDF fetches nothing named by content. The HTML is rendered with ``base_url=None``
and every text in it is escaped; the one stylesheet (``static/css/export.css``) is
passed explicitly, and the URL fetcher serves files of the app's static folder by path
(``helpdesk-static:css/export.css``) and refuses everything else: ``file:``, ``data:``,
``http(s):`` to anywhere, loopback included.

The CSV is one table, by decision: a spreadsheet opens it as one sheet and filters it by
its first column, "Section" (cover, coverage, evidence log, witness testimony,
observation, knowledge, reflective account). Every section fills the same columns; the
evidence log's are the unit's layout (No, method, summary of evidence / portfolio
reference, assessor initials, date). A cell that a spreadsheet could read as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
apostrophe.
"""

from __future__ import annotations

import csv
import io
import mimetypes
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from helpdesk.evidence.export_model import PortfolioExport, build_export
from helpdesk.frameworks import METHODS

__all__ = [
    "CSV_COLUMNS",
    "STATIC_SCHEME",
    "FetchRefused",
    "StaticOnlyFetcher",
    "build_export",
    "html_to_pdf",
    "neutralise",
    "render_csv",
    "render_pdf",
]

STATIC_SCHEME = "helpdesk-static:"
STYLESHEET = "css/export.css"
SERVED_SUFFIXES = frozenset({".css", ".png", ".svg"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "Section",
    "No",
    "Date",
    "Method",
    "Criteria",
    "Status",
    "Assessor initials",
    "Portfolio reference",
    "Summary of evidence",
    "Details",
)


class FetchRefused(ValueError):
    """The PDF asked for something that is not one of the app's static files."""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's URL fetcher, allowed only the app's static files, by path.

    ``served`` and ``refused`` record every URL asked for, in order.
    """

    def __init__(self, static_folder: str | Path) -> None:
        super().__init__(allowed_protocols=frozenset(), allow_redirects=False)
        self.root = Path(static_folder).resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def path_for(self, url: str) -> Path | None:
        """The static file ``url`` names, or None for anything else."""
        if not url.startswith(STATIC_SCHEME):
            return None
        rest = url[len(STATIC_SCHEME) :]
        if not rest or any(c in rest for c in "%?#\\:\x00") or rest.startswith("/"):
            return None
        if any(part in ("", ".", "..") for part in rest.split("/")):
            return None
        found = (self.root / rest).resolve()
        if not found.is_relative_to(self.root) or found.suffix not in SERVED_SUFFIXES:
            return None
        return found if found.is_file() else None

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Serve a static file; :raise FetchRefused: for any other URL."""
        found = self.path_for(url)
        if found is None:
            self.refused.append(url)
            raise FetchRefused(f"not one of the app's static files: {url[:200]}")
        self.served.append(url)
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": kind})


def html_to_pdf(html: str, fetcher: StaticOnlyFetcher) -> bytes:
    """Lay out ``html`` with the export stylesheet; nothing is fetched but through
    ``fetcher``, and relative URLs have no base to resolve against."""
    stylesheet = CSS(url=STATIC_SCHEME + STYLESHEET, url_fetcher=fetcher)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return bytes(document.write_pdf(stylesheets=[stylesheet], pdf_tags=True))


def render_pdf(export: PortfolioExport, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The export as a PDF: cover, coverage grid, evidence log, testimonies, observations,
    knowledge records and reflective accounts."""
    html = render_template(
        "export/portfolio.html", export=export, cover=export.cover, day=day, methods=METHODS
    )
    return html_to_pdf(html, fetcher or StaticOnlyFetcher(current_app.static_folder or "static"))


# --- the CSV -----------------------------------------------------------------------------


def neutralise(value: object) -> str:
    """The cell as text, with a leading apostrophe when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "UTC")))


def day(value: datetime | None) -> str:
    """A date as the PDF shows it: '05 Mar 2026' in the organisation's zone."""
    return _local(value).strftime("%d %b %Y") if value is not None else "—"


def _day(value: datetime | None) -> str:
    """A date as the CSV holds it: '2026-03-05' in the organisation's zone."""
    return _local(value).date().isoformat() if value is not None else ""


def _codes(codes: Iterable[str]) -> str:
    return " ".join(codes)


def _row(
    section: str,
    *,
    no: object = "",
    when: datetime | None = None,
    method: str = "",
    criteria: Iterable[str] = (),
    status: str = "",
    initials: str = "",
    reference: str = "",
    summary: str = "",
    details: Iterable[str] = (),
) -> tuple[object, ...]:
    """One CSV row in the columns of ``CSV_COLUMNS`` (empty details left out)."""
    said = "; ".join(d for d in details if d)
    return (section, no, _day(when), method, _codes(criteria), status, initials, reference,
            summary, said)  # fmt: skip


def _cover_rows(export: PortfolioExport) -> Iterator[tuple[object, ...]]:
    c = export.cover
    sign = c.sign_off
    for label, value in (
        ("Learner", c.learner),
        ("Organisation", c.organisation),
        ("Unit", c.framework_title),
        ("Framework", c.framework_code + (f": {c.framework_source}" if c.framework_source else "")),
        ("Assessor(s)", ", ".join(c.assessors) or "None assigned"),
        ("In learner mode since", _day(c.started_at)),
        ("Evidence from", _day(c.first_evidence)),
        ("Evidence to", _day(c.last_evidence)),
        ("Sign-off", sign.words + (f" on {_day(sign.signed_off_at)}" if sign.signed else "")),
        ("Performance criteria met", f"{c.pcs_met} of {c.pcs_total}"),
        ("Rules", f"Version {export.portfolio.rule.version}: {export.portfolio.rule.words}"),
        ("Exported", _day(c.generated_at)),
        ("Customers", "Shown as Customer A, B…; their personal details are removed."),
    ):
        yield _row("Cover", summary=label, details=[value])
    for pc in export.portfolio.pcs:
        counted = (
            f"Accepted {pc.accepted}, pending {pc.pending}, rejected {pc.rejected}, "
            f"simulated (not counted) {pc.simulated}. {pc.sufficiency.words}."
        )
        observed = ""
        if pc.must_observe:
            observed = "Observed." if pc.observed else "Must be observed: not yet."
        yield _row(
            "Coverage",
            criteria=[pc.criterion.code],
            status="Met" if pc.sufficiency.met else "Not yet",
            summary=pc.criterion.text,
            details=[counted, observed],
        )


def _evidence_rows(export: PortfolioExport) -> Iterator[tuple[object, ...]]:
    for e in export.log:
        yield _row(
            "Evidence log",
            no=e.no,
            when=e.occurred_at,
            method=e.method,
            criteria=e.criteria,
            status=e.status,
            initials=e.initials,
            reference=e.reference,
            summary=e.summary,
            details=[
                f"Decided {_day(e.decided_at)}" if e.decided_at else "",
                f"Feedback: {e.feedback}" if e.feedback else "",
                f"Learner's note: {e.note}" if e.note else "",
                "Simulated: shown, never counted" if e.simulated else "",
                f"Supports knowledge {_codes(e.knowledge)}" if e.knowledge else "",
            ],
        )
    for t in export.testimonies:
        yield _row(
            "Witness testimony",
            no=t.no,
            when=t.consented_at,
            method="WT",
            criteria=t.criteria,
            status=t.status,
            initials=t.initials,
            reference=t.reference,
            summary=t.statement,
            details=[f"Witness: {t.witness}", f"relationship: {t.relationship}", "consent given"],
        )


def _assessment_rows(export: PortfolioExport) -> Iterator[tuple[object, ...]]:
    for o in export.observations:
        both = o.assessor_confirmed_at is not None and o.learner_confirmed_at is not None
        yield _row(
            "Observation",
            no=o.no,
            when=o.observed_on,
            method="O",
            criteria=o.criteria,
            status=o.judgement,
            initials=o.initials,
            reference=" ".join(o.references),
            summary=o.activity,
            details=[
                f"Assessor: {o.assessor}",
                f"Place: {o.place}" if o.place else "",
                f"Comments: {o.comments}" if o.comments else "",
                f"Learner's comments: {o.learner_comments}" if o.learner_comments else "",
                *(f"Pinned: {p.comment}" for p in o.pins),
                "Confirmed by both" if both else "Not yet confirmed by both",
            ],
        )
    for k in export.knowledge:
        yield _row(
            "Knowledge",
            no=k.no,
            when=k.created_at,
            method=k.method,
            criteria=k.criteria,
            status=k.outcome,
            initials=k.initials,
            summary=k.questions,
            details=[
                f"Answers: {k.answers}" if k.answers else "",
                f"Feedback: {k.feedback}" if k.feedback else "",
            ],
        )
    for r in export.reflections:
        yield _row(
            "Reflective account",
            no=r.no,
            when=r.created_at,
            criteria=r.criteria,
            reference=r.reference,
            summary=r.title,
            details=[
                f"Situation: {r.situation}",
                f"Task: {r.task}",
                f"Action: {r.action}",
                f"Result: {r.result}",
            ],
        )


def render_csv(export: PortfolioExport) -> str:
    """The export as one CSV table (see the module's docstring), formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for section in (_cover_rows, _evidence_rows, _assessment_rows):
        for row in section(export):
            writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
