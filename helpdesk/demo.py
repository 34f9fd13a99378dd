"""Demo data: one login per role, categories, routes and simulated tickets."""

from __future__ import annotations

DEMO_PASSWORD = "demo-password"  # noqa: S105 - published demo logins, simulated data only

# email, name, roles, limit in pence, may approve exceptions
DEMO_USERS: list[tuple[str, str, tuple[str, ...], int, bool]] = [
    ("customer@example.com", "Casey Customer", ("customer",), 0, False),
    ("agent@example.com", "Alex Agent", ("agent",), 5_000, False),
    ("supervisor@example.com", "Sam Supervisor", ("supervisor",), 50_000, True),
    ("learner@example.com", "Lee Learner", ("agent", "learner"), 2_500, False),
    ("assessor@example.com", "Ari Assessor", ("assessor",), 0, False),
    ("iqa@example.com", "Ira Quality", ("iqa",), 0, False),
    ("admin@example.com", "Ada Admin", ("admin",), 100_000, True),
]


def load_demo(tickets: int = 200, seed: int = 7) -> bool:
    raise NotImplementedError
