"""Scheduled jobs for cron: ``flask helpdesk tick`` and ``flask helpdesk send-mail``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from helpdesk.sqlite import writing
from helpdesk.unit_of_work import unit_of_work

jobs_cli = AppGroup("helpdesk", help="Scheduled jobs (run them from cron).")


@jobs_cli.command("tick")
def tick_command() -> None:
    """Advance the clocks: SLA alerts, overdue promises, confirmation time-outs."""
    from helpdesk.tickets.tick import run_tick

    with writing():
        report = run_tick()  # each job commits alone: one failing never blocks the others
    click.echo(str(report))
    if report.failed:
        raise SystemExit(1)


@jobs_cli.command("send-mail")
@click.option("--batch", default=100, show_default=True, help="Most messages to send now.")
def send_mail_command(batch: int) -> None:
    """Deliver queued email over SMTP, retrying failures with back-off."""
    from helpdesk.notifications.mailer import send_due

    with writing(), unit_of_work():
        # Each message commits as it goes (a crash must not resend what went).
        report = send_due(batch=batch)
    click.echo(f"sent {report.sent}, failed {report.failed}")
