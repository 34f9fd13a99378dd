"""Command-line tools: ``flask users create`` and ``flask demo load``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from helpdesk.auth.services import AccountError, create_user
from helpdesk.domain import Role
from helpdesk.money import MoneyError, parse_money
from helpdesk.unit_of_work import unit_of_work

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


def _money_option(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    """Read pounds as minor units, refusing bad amounts before the password prompt."""
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise click.BadParameter(exc.message) from exc


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
@click.option(
    "--limit",
    "limit_minor",
    default="0",
    callback=_money_option,
    help="Limit of authority in pounds, e.g. 250.",
)
@click.option("--approve-exceptions", is_flag=True, help="May approve exceptions to policy.")
def create_user_command(
    email: str,
    name: str,
    roles: tuple[str, ...],
    password: str,
    limit_minor: int,
    approve_exceptions: bool,
) -> None:
    """Create an account (staff or customer)."""
    try:
        with unit_of_work():
            user = create_user(
                email=email,
                name=name,
                roles=set(roles),
                password=password,
                authority_limit_minor=limit_minor,
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

    with unit_of_work():
        created = load_demo(tickets=tickets, seed=seed)
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data was already there; nothing added.")
    from helpdesk.demo import DEMO_USERS
    from helpdesk.demo.summary import demo_summary

    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, roles, _limit, _exc in DEMO_USERS:
        click.echo(f"  {', '.join(roles):<22} {email}")
    for line in demo_summary():
        click.echo(line)


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
