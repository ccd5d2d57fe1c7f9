"""What a process contains (drafts, proposals, polls, budgets, calls for contributions), listed
on the process page. Each topic app registers one function in its AppConfig.ready():

    components.register(lambda process: [Component(...), ...])

The function must cost at most one query per process page, whatever the data size."""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Process


@dataclass(frozen=True)
class Component:
    kind: str  # translatable label of the kind ("Draft for comment", "Poll", …)
    title: str
    url: str
    summary: str = ""
    status: str = ""  # translatable state ("Open for comment until 12 Dec", "Results")


_PROVIDERS: list[Callable[[Process], list[Component]]] = []


def register(provider: Callable[[Process], list[Component]]) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def components_for(process: Process) -> list[Component]:
    found: list[Component] = []
    for provider in _PROVIDERS:
        found.extend(provider(process))
    return found
