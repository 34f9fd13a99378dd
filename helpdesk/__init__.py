"""The helpdesk application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from helpdesk import sqlite, unit_of_work
from helpdesk.config import Config, DevConfig
from helpdesk.extensions import csrf, db, limiter, login_manager, migrate
from helpdesk.extensions import htmx as htmx_ext  # helpdesk.htmx is our module

ROOT = Path(__file__).resolve().parent.parent


class IdConverter(IntegerConverter):
    """``<int:...>`` capped at a 64-bit id: a forged huge id is a 404, not an overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the app from a config class, with keyword overrides for tests and tools."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config or DevConfig)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)

    # Check the assessment frameworks now: a broken file stops start-up with its name.
    from helpdesk.frameworks import catalogue

    catalogue()
    register_extensions(app)
    # Before the blueprints: their rules pick the converter up when they are added.
    app.url_map.converters["int"] = IdConverter
    register_blueprints(app)
    register_template_helpers(app)
    register_responses(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    # First, so its after_request handler runs last: each request is one unit of work.
    unit_of_work.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx_ext.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    from helpdesk import models  # noqa: F401  (register the tables)
    from helpdesk.auth.sessions import load_user, load_user_early, unauthorized
    from helpdesk.tickets import sla  # noqa: F401  (keeps SLA clocks in step on flush)

    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(load_user_early)
    from helpdesk.auth.two_factor_views import require_enrolment

    app.before_request(require_enrolment)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            sqlite.configure(db.engine)


def register_blueprints(app: Flask) -> None:
    from helpdesk.admin import bp as admin_bp
    from helpdesk.approvals import bp as approvals_bp
    from helpdesk.assessor import bp as assessor_bp
    from helpdesk.attachments import bp as attachments_bp
    from helpdesk.auth import bp as auth_bp
    from helpdesk.errors import bp as errors_bp
    from helpdesk.feed import bp as feed_bp
    from helpdesk.iqa import bp as iqa_bp
    from helpdesk.main import bp as main_bp
    from helpdesk.notifications import bp as notifications_bp
    from helpdesk.portal import bp as portal_bp
    from helpdesk.portfolio import bp as portfolio_bp
    from helpdesk.problems import bp as problems_bp
    from helpdesk.selfservice import bp as selfservice_bp
    from helpdesk.tickets import bp as tickets_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp, url_prefix="/my")
    app.register_blueprint(selfservice_bp, url_prefix="/help")
    app.register_blueprint(tickets_bp, url_prefix="/staff")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(attachments_bp)
    app.register_blueprint(notifications_bp, url_prefix="/staff")
    app.register_blueprint(approvals_bp, url_prefix="/staff")
    app.register_blueprint(feed_bp, url_prefix="/staff")
    app.register_blueprint(problems_bp, url_prefix="/staff")
    app.register_blueprint(portfolio_bp, url_prefix="/portfolio")
    app.register_blueprint(assessor_bp, url_prefix="/assess")
    app.register_blueprint(iqa_bp, url_prefix="/iqa")
    app.register_blueprint(errors_bp)


def register_template_helpers(app: Flask) -> None:
    from helpdesk import domain, permissions
    from helpdesk.formatting import register_filters

    register_filters(app)
    from helpdesk.forms import new_idempotency_key

    # A button form drawn in several places (e.g. "This solved my problem") takes a
    # fresh key at each drawing.
    app.add_template_global(new_idempotency_key, "new_idempotency_key")
    # A global, not only context: macros imported without context compare states too.
    app.jinja_env.globals["domain"] = domain

    from flask_login import current_user

    from helpdesk.evidence.badges import pc_badges
    from helpdesk.evidence.training import practice_reasons
    from helpdesk.notifications.services import unread_count

    # Why a learner's evidence on a ticket is practice: the same answer everywhere.
    app.add_template_global(practice_reasons, "practice_reasons")

    def viewer_badges(action: str) -> list[Any]:
        # A global, so the badge macros import without context: an import with context
        # runs again for every panel that makes it, on every page.
        return pc_badges(current_user, action)

    app.add_template_global(viewer_badges, "viewer_badges")

    def unread_notifications() -> int:
        # Called from the template only for staff, so customers' pages pay nothing.
        return unread_count(current_user) if current_user.is_authenticated else 0

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "unread_notifications": unread_notifications,
            "domain": domain,
            "org_name": app.config["ORGANISATION_NAME"],
            "pc_badges": pc_badges,
            **permissions.template_predicates(),
        }


def register_responses(app: Flask) -> None:
    from helpdesk.audit import init_audit
    from helpdesk.forms import log_undeclared_fields, refuse_forged_values
    from helpdesk.htmx import add_vary_header
    from helpdesk.security import init_security

    app.before_request(refuse_forged_values)
    app.before_request(log_undeclared_fields)
    app.after_request(add_vary_header)
    init_security(app)
    init_audit(app)


def register_cli(app: Flask) -> None:
    from helpdesk.cli import register_commands
    from helpdesk.jobs import jobs_cli

    register_commands(app)
    app.cli.add_command(jobs_cli)
