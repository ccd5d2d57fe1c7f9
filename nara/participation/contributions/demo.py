"""Demo data for contributions: called by `nara.participation.demo.load`."""


def load(ctx) -> None:
    pass
