"""The iqa blueprint, apart from its package so views can import it without a circle."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("iqa", __name__)
