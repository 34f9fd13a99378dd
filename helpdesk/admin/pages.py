"""How admin views answer: a form page (200, or 422 with messages) after a refusal."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm

from helpdesk.admin.services import AdminError
from helpdesk.forms import attach_refusal
from helpdesk.htmx import render


def attach_error(form: FlaskForm, error: AdminError) -> str | None:
    """Put a refusal next to its field; return it when no field of the form fits."""
    return None if attach_refusal(form, error) else error.message


def form_page(
    template: str, form: FlaskForm, error: AdminError | None = None, **context: Any
) -> tuple[str, int]:
    """Draw a form as posted (values kept): 422 after a failed POST, else 200."""
    message = attach_error(form, error) if error is not None else None
    status = 422 if request.method == "POST" else 200
    return render(template, form=form, error=message, **context), status


def after_id(raw: str | None) -> int | None:
    """A keyset cursor from the query string; anything odd starts from the top."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 18 else None
