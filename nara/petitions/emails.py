"""Canonical e-mail addresses (one signature per person) and the domains we refuse quietly."""

from functools import cache
from pathlib import Path

from django.conf import settings

# Providers that deliver name.surname+tag@ to namesurname@: dots and +tags are the same mailbox.
DOTS_IGNORED = {"gmail.com"}
PLUS_TAGS = {
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "fastmail.com",
}
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}


def split(email: str) -> tuple[str, str]:
    local, _, domain = email.strip().rpartition("@")
    try:
        domain = domain.strip().lower().encode("idna").decode("ascii")
    except UnicodeError:
        domain = domain.strip().lower()
    return local, DOMAIN_ALIASES.get(domain, domain)


def canonical(email: str) -> str:
    """Lower case; for providers that ignore them, dots and +tags removed."""
    local, domain = split(email)
    local = local.lower()
    if domain in PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def domain_of(email: str) -> str:
    return split(email)[1]


@cache
def _disposable() -> frozenset[str]:
    path = Path(__file__).with_name("disposable_domains.txt")
    names = {
        line.strip().lower()
        for line in path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    return frozenset(names | set(settings.NARA_DISPOSABLE_DOMAINS_EXTRA))


def is_disposable(domain: str) -> bool:
    """The domain or any parent domain is a throwaway-mail service."""
    parts = domain.lower().split(".")
    listed = _disposable()
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))
