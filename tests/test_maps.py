"""A place on a small map where the deployment names a tile server (issue #12, nara.core.maps):
the tiles around the place with a pin on its spot, on the complaint's pages and beside the
form's coordinates; no map and no third-party address anywhere when none is named."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from nara.core import maps
from tests.helpers import file_complaint
from tests.test_web_citizen import form_data

ROOT = Path(__file__).resolve().parent.parent
TILES = "https://tiles.example.go.kr/{z}/{x}/{y}.png"
CITY_HALL = (37.5663, 126.9779)  # 서울시청
EN = {"Accept-Language": "en"}


@pytest.fixture
def tiles(settings):
    settings.NARA_MAP_TILES = TILES
    settings.NARA_MAP_ATTRIBUTION = "© Example map makers"


def test_the_grid_is_the_web_maps_grid():
    assert maps.world_pixel(0, 0, 1) == (256.0, 256.0)  # the middle of a 2 × 2 world
    x, y = maps.world_pixel(maps.MAX_LATITUDE, -180, 1)
    assert (round(x, 6), round(y, 6)) == (0, 0)  # its top left
    x, y = maps.world_pixel(*CITY_HALL, 12)
    assert (int(x // 256), int(y // 256)) == (3492, 1586)  # Seoul's tile at zoom 12


def test_the_pin_is_on_the_place(tiles):
    found = maps.mini_map(*CITY_HALL)
    px, py = found.pin
    x, y = maps.world_pixel(*CITY_HALL)
    under = [t for t in found.tiles if t.x <= px < t.x + 256 and t.y <= py < t.y + 256]
    assert len(under) == 1  # the tiles do not overlap
    assert under[0].href == f"https://tiles.example.go.kr/16/{int(x // 256)}/{int(y // 256)}.png"
    # the pin's pixel in its tile is the place's pixel in that tile
    assert (px - under[0].x, py - under[0].y) == (round(x) % 256, round(y) % 256)
    covered = {(t.x + dx, t.y + dy) for t in found.tiles for dx in (0, 255) for dy in (0, 255)}
    assert min(c[0] for c in covered) <= 0 and max(c[0] for c in covered) >= found.width - 1
    assert min(c[1] for c in covered) <= 0 and max(c[1] for c in covered) >= found.height - 1


@pytest.mark.parametrize(
    "place", [("", ""), (None, None), ("abc", "1"), ("91", "0"), ("nan", "nan"), ("1e400", "0")]
)
def test_no_map_without_a_usable_place(tiles, place):
    assert maps.mini_map(*place) is None


def test_a_tile_address_it_cannot_fill_draws_no_map(settings):
    settings.NARA_MAP_TILES = "https://{s}.tiles.example/{z}/{x}/{y}.png"
    assert maps.mini_map(*CITY_HALL) is None


def test_no_map_without_a_tile_server(settings):
    settings.NARA_MAP_TILES = ""
    assert maps.mini_map(*CITY_HALL) is None


@pytest.mark.django_db
def test_the_complaints_pages_show_the_place_on_a_map(tiles, world, client_for):
    complaint = file_complaint(
        world, latitude=Decimal("37.566300"), longitude=Decimal("126.977900")
    )
    citizen = client_for(world.citizen, **EN).get(f"/complaints/{complaint.receipt_no}/")
    html = citizen.content.decode()
    assert '<figure class="mini-map">' in html and 'role="img"' in html
    assert "<title>Map of the place (latitude 37.566300, longitude 126.977900)</title>" in html
    assert 'href="https://tiles.example.go.kr/16/' in html
    assert "© Example map makers" in html
    official_url = reverse("office:detail", kwargs={"receipt_no": complaint.receipt_no})
    official = client_for(world.handler).get(official_url)
    assert official.status_code == 200
    assert 'href="https://tiles.example.go.kr/16/' in official.content.decode()


@pytest.mark.django_db
def test_the_form_draws_the_place_beside_its_coordinates(tiles, world, client_for):
    client = client_for(world.citizen, **EN)
    form = client.get(reverse("complaints:file")).content.decode()
    assert 'class="place-map"' in form and f'hx-get="{reverse("mini_map")}"' in form
    assert "<svg" not in form  # no place yet
    # a form sent back with an error keeps the place and its map
    kept = client.post(
        reverse("complaints:file"),
        form_data(world, title="", latitude="37.5663", longitude="126.9779"),
    )
    assert (
        kept.status_code == 400 and 'href="https://tiles.example.go.kr/16/' in kept.content.decode()
    )
    drawn = client.get(reverse("mini_map"), {"latitude": "37.5663", "longitude": "126.9779"})
    assert drawn.status_code == 200 and "<svg" in drawn.content.decode()
    for junk in ({}, {"latitude": "x" * 5000, "longitude": "1"}, {"latitude": "91"}):
        answer = client.get(reverse("mini_map"), junk)
        assert answer.status_code == 200 and "<svg" not in answer.content.decode()


@pytest.mark.django_db
def test_without_a_tile_server_there_is_no_map_anywhere(world, client_for):
    complaint = file_complaint(world, latitude=Decimal("37.5663"), longitude=Decimal("126.9779"))
    client = client_for(world.citizen)
    assert "mini-map" not in client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    assert "place-map" not in client.get(reverse("complaints:file")).content.decode()


def settings_with(tiles: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NARA_MAP_TILES": tiles, "DEBUG": "1", "PYTHONPATH": str(ROOT)}
    code = "import nara.settings as s; print(' '.join(s.SECURE_CSP['img-src']))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_pages_may_load_the_tiles_and_nothing_else():
    done = settings_with(TILES)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["'self'", "data:", "https://tiles.example.go.kr"]
    assert settings_with("").stdout.split() == ["'self'", "data:"]
    for wrong in (
        "tiles.example.go.kr/{z}/{x}/{y}.png",  # no scheme
        "https://{s}.tiles.example/{z}/{x}/{y}.png",  # a placeholder it does not fill
        "https://tiles.example/{z}/{x}.png",  # one missing
        "https://tiles.example/{z}/{x}/{y.png",  # a brace left open
    ):
        refused = settings_with(wrong)
        assert refused.returncode != 0 and "NARA_MAP_TILES" in refused.stderr, wrong
