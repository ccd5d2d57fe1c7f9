"""Demo data for proposals: called by `nara.participation.demo.load`."""


def load(ctx) -> None:
    pass
