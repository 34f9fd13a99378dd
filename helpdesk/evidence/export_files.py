"""PDFs made ahead of their download, so the portfolio page can show progress.

The page asks for the PDF to be prepared (``keep``) while it shows "Preparing your
PDF…", then links to the download with the token it got back; the download takes the
file (``take``), once. A file is named by the person who asked, the portfolio and a
random token, so only the same person's request for the same portfolio finds it; the
download checks the portfolio's permission again as always. One file per person and
portfolio is kept, each for ``KEEP`` at most, so nothing piles up on disk.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

KEEP_SECONDS = 10 * 60
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def folder() -> Path:
    """Where prepared PDFs wait: ``EXPORT_FOLDER``, else the instance folder's exports/."""
    configured = current_app.config.get("EXPORT_FOLDER")
    path = Path(configured) if configured else Path(current_app.instance_path) / "exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(viewer_id: int, learner_id: int, token: str) -> Path:
    return folder() / f"{int(viewer_id)}-{int(learner_id)}-{token}.pdf"


def _sweep(viewer_id: int, learner_id: int) -> None:
    """Forget files past their time, and this person's earlier file for this portfolio."""
    now = time.time()
    mine = f"{int(viewer_id)}-{int(learner_id)}-"
    for path in folder().glob("*.pdf"):
        try:
            if path.name.startswith(mine) or now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # another worker got there first


def keep(viewer_id: int, learner_id: int, pdf: bytes) -> str:
    """Keep a prepared PDF for its download; returns the token that fetches it."""
    _sweep(viewer_id, learner_id)
    token = secrets.token_urlsafe(24)
    path = _path(viewer_id, learner_id, token)
    partial = path.with_suffix(".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pdf)
    os.replace(partial, path)
    return token


def take(viewer_id: int, learner_id: int, token: str | None) -> bytes | None:
    """The prepared PDF, removed as it is taken; None when the token finds none (not
    theirs, already taken, expired or malformed): the caller then makes it afresh."""
    if not token or not TOKEN.fullmatch(token):
        return None
    path = _path(viewer_id, learner_id, token)
    try:
        if time.time() - path.stat().st_mtime > KEEP_SECONDS:
            path.unlink(missing_ok=True)
            return None
        pdf = path.read_bytes()
        path.unlink(missing_ok=True)
    except OSError:
        return None
    return pdf
