"""Demo data for policy participation, loaded by `manage.py demo_data` after the agencies,
accounts, complaints and petitions. Each kind of participation loads its own part."""

from dataclasses import dataclass

from nara.accounts.models import User
from nara.agencies.models import Unit


@dataclass
class DemoContext:
    units: dict[str, Unit]  # by unit code (see demo_data.UNITS)
    citizens: list[User]  # citizen1 … citizen200, in order (citizens[0] is citizen1)
    moderator: User  # moderator@demo.nara.kr (TOTP like the officials)
    operator: User
    domain: str  # "demo.nara.kr"; officials are handler.<code>@domain, approver.<code>@domain


def load(ctx: DemoContext) -> None:
    from .budgets import demo as budgets
    from .consultations import demo as consultations
    from .contributions import demo as contributions
    from .polls import demo as polls
    from .proposals import demo as proposals

    for part in (consultations, proposals, polls, budgets, contributions):
        part.load(ctx)
