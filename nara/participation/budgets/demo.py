"""Demo data for budgets: called by `nara.participation.demo.load`."""


def load(ctx) -> None:
    pass
