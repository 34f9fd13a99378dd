"""Extension singletons, initialised by create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from helpdesk.search_schema import include_object

# Named constraints let Alembic's SQLite batch mode alter tables reliably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True, include_object=include_object)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
# Storage comes from RATELIMIT_STORAGE_URI (memory:// unless a deployment sets Redis).
limiter = Limiter(get_remote_address)

# Models subclass this. Flask-SQLAlchemy builds db.Model at run time, which mypy cannot
# follow, so the type checker sees the declarative base it is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
