"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

import os

from helpdesk import create_app
from helpdesk.config import Config, DevConfig

app = create_app(DevConfig if os.environ.get("FLASK_DEBUG") == "1" else Config)
