"""/complaints/figures/: how each agency handles complaints, for everyone — charts with the same
numbers in a table, sortable columns, a period, and the moment the figures were read."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from nara.core.access import public

from . import selectors

PERIODS = {
    "all": (_("Since the start"), None),
    "year": (_("The last 12 months"), timedelta(days=365)),
    "month": (_("The last 30 days"), timedelta(days=30)),
}
# column → (heading, the row's value); rows without a value sort last either way
COLUMNS = {
    "agency": (_("Agency"), lambda row: row["agency"].name),
    "received": (_("Received"), lambda row: row["received"]),
    "answered": (_("Answered"), lambda row: row["answered"]),
    "on_time": (_("Answered on time"), lambda row: row["on_time_rate"]),
    "handling": (_("Median handling time"), lambda row: row["median_hours"]),
    "satisfaction": (_("Satisfaction (1–5)"), lambda row: row["satisfaction"]),
}
# the charts: column, the figure's largest possible value (None: the largest in the table)
CHARTS = (
    ("on_time", _("Answered on time (%)"), 100),
    ("satisfaction", _("Satisfaction (1–5)"), 5),
    ("handling", _("Median handling time (hours)"), None),
)
BAR_HEIGHT = 34  # per agency, in the charts' SVG units


def _choice(request, name: str, allowed, default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


def _sorted(rows: list[dict], column: str, descending: bool) -> list[dict]:
    value = COLUMNS[column][1]
    known = [r for r in rows if value(r) is not None]
    unknown = [r for r in rows if value(r) is None]
    return sorted(known, key=value, reverse=descending) + unknown


def _chart(rows: list[dict], column: str, title, scale) -> dict:
    value = COLUMNS[column][1]
    figures = [value(r) for r in rows]
    top = scale or max((f for f in figures if f is not None), default=0) or 1
    bars = [
        {
            "label": row["agency"].name,
            "figure": figure,
            "bar": 0 if figure is None else round(100 * figure / top, 1),
            "y": BAR_HEIGHT * i,
        }
        for i, (row, figure) in enumerate(zip(rows, figures, strict=True))
    ]
    return {"column": column, "title": title, "bars": bars, "height": BAR_HEIGHT * len(rows) + 4}


@public
@require_GET
def figures(request):
    """Per-agency figures: received, answered, on-time rate, median handling time, satisfaction."""
    period = _choice(request, "period", PERIODS, "all")
    column = _choice(request, "sort", COLUMNS, "agency")
    descending = _choice(request, "order", ("asc", "desc"), "asc") == "desc"
    now = timezone.now()
    length = PERIODS[period][1]
    rows = _sorted(
        selectors.agency_figures(since=now - length if length else None), column, descending
    )
    headings = [
        {
            "column": name,
            "label": label,
            "sorted": name == column,
            "aria_sort": ("descending" if descending else "ascending") if name == column else "",
            # a click on the sorted column turns the order; another column starts ascending
            "order": "asc"
            if name == column and descending
            else "desc"
            if name == column
            else "asc",
        }
        for name, (label, _value) in COLUMNS.items()
    ]
    return render(
        request,
        "complaints/figures.html",
        {
            "rows": rows,
            "headings": headings,
            "charts": [_chart(rows, *chart) for chart in CHARTS] if rows else [],
            "periods": [(key, label) for key, (label, _length) in PERIODS.items()],
            "period": period,
            "period_label": PERIODS[period][0],
            "sort": column,
            "order": "desc" if descending else "asc",
            "as_of": now,
        },
    )
