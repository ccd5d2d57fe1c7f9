"""Demo data for consultations: called by `nara.participation.demo.load`."""


def load(ctx) -> None:
    pass
