"""/complaints/figures/ (issue #12): charts with the table's figures, sortable columns, a period
and the moment the figures were read; the page's figures themselves: tests/test_public.py."""

import re
from datetime import datetime

import pytest
import time_machine

from tests.helpers import file_complaint
from tests.test_public import EN, SEOUL, _answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    """Roads: one complaint a year ago (answered on time), two this month (one answered late);
    parks (Seoul): one this month, never answered."""
    with time_machine.travel(datetime(2025, 3, 4, 10, 0, tzinfo=SEOUL), tick=False):
        old = file_complaint(world, title="Old pothole", body="a")
    with time_machine.travel(datetime(2025, 3, 4, 12, 0, tzinfo=SEOUL), tick=False):
        _answer(world, old, rating=4)
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL), tick=False):
        recent = file_complaint(world, title="New pothole", body="b")
        file_complaint(world, title="Another pothole", body="c")
        file_complaint(world, title="Broken park bench", body="d", category=None)
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=SEOUL), tick=False):
        _answer(world, recent, rating=2)
    return world


def rows_of(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', html)


def figures(client, **query) -> str:
    with time_machine.travel(datetime(2026, 12, 7, 9, 30, tzinfo=SEOUL), tick=False):
        response = client.get("/complaints/figures/", query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_period_chooses_the_complaints_counted(history, client_for):
    client = client_for(None, **EN)
    everything = figures(client)
    month = figures(client, period="month")
    roads = r'<th scope="row">Ministry of the Interior</th>\s*<td class="num"[^>]*>(\d+)</td>'
    assert re.search(roads, everything).group(1) == "3"
    assert re.search(roads, month).group(1) == "2"
    assert "The last 30 days, as of 2026-12-07 09:30 KST." in month
    assert "Since the start, as of 2026-12-07 09:30" in everything
    # a period nobody offers is the default, not an error
    assert "Since the start" in figures(client, period="decade")


def test_columns_sort_both_ways_and_rows_without_a_figure_come_last(history, client_for):
    client = client_for(None, **EN)
    assert rows_of(figures(client)) == ["Ministry of the Interior", "Seoul"]  # by name
    received_down = figures(client, sort="received", order="desc")
    assert rows_of(received_down) == ["Ministry of the Interior", "Seoul"]
    assert 'aria-sort="descending"' in received_down
    assert rows_of(figures(client, sort="received", order="asc")) == [
        "Seoul",
        "Ministry of the Interior",
    ]
    for order in ("asc", "desc"):  # Seoul has no satisfaction figure: last either way
        assert rows_of(figures(client, sort="satisfaction", order=order))[-1] == "Seoul"
    assert rows_of(figures(client, sort="nonsense")) == ["Ministry of the Interior", "Seoul"]


def test_each_chart_shows_the_tables_figures(history, client_for):
    html = figures(client_for(None, **EN), sort="received", order="desc")
    charts = re.findall(r"<figcaption>([^<]+)</figcaption>(.*?)</figure>", html, re.S)
    assert [title for title, _svg in charts] == [
        "Answered on time (%)",
        "Satisfaction (1–5)",
        "Median handling time (hours)",
    ]
    values = {title: re.findall(r'data-value="([^"]*)"', svg) for title, svg in charts}
    assert values["Satisfaction (1–5)"] == ["3.0", ""]  # (4 + 2) / 2; Seoul: none
    table = re.findall(r'data-label="Satisfaction \(1–5\)">([^<]*)<', html)
    assert table[0] == "3.0"
    assert values["Answered on time (%)"][0] == "100.0" and "100.0%" in html
