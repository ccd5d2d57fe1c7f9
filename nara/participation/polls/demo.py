"""Demo data for polls: called by `nara.participation.demo.load`."""


def load(ctx) -> None:
    pass
