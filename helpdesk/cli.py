"""Command-line tools: ``flask users create`` and ``flask demo load``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from helpdesk.auth.services import AccountError, create_user
from helpdesk.domain import Role

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


def parse_money(value: str) -> int:
    """'250' or '250.50' pounds -> minor units."""
    pounds, _, pence = value.strip().lstrip("£").partition(".")
    if not pounds.isdigit() or (pence and (not pence.isdigit() or len(pence) > 2)):
        raise click.BadParameter("give an amount in pounds, like 250 or 99.50")
    return int(pounds) * 100 + int(pence.ljust(2, "0") or 0)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--limit", default="0", help="Limit of authority in pounds, e.g. 250.")
@click.option("--approve-exceptions", is_flag=True, help="May approve exceptions to policy.")
def create_user_command(
    email: str, name: str, roles: tuple[str, ...], password: str, limit: str, approve_exceptions: bool
) -> None:
    """Create an account (staff or customer)."""
    try:
        user = create_user(
            email=email,
            name=name,
            roles=set(roles),
            password=password,
            authority_limit_minor=parse_money(limit),
            can_approve_exceptions=approve_exceptions,
        )
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.email} with roles {', '.join(sorted(user.role_names))}.")


@demo_cli.command("load")
@click.option("--tickets", default=200, show_default=True)
@click.option("--seed", default=7, show_default=True)
def load_demo_command(tickets: int, seed: int) -> None:
    """Create demo logins, categories, routes and simulated tickets (once)."""
    from helpdesk.demo import DEMO_PASSWORD, load_demo

    created = load_demo(tickets=tickets, seed=seed)
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data was already there; nothing added.")
    from helpdesk.demo import DEMO_USERS

    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, roles, _limit, _exc in DEMO_USERS:
        click.echo(f"  {', '.join(roles):<22} {email}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
