"""A small map of one place, where the deployment names a tile server (settings.NARA_MAP_TILES,
a URL with {z}, {x} and {y}, e.g. a server the agency runs; empty: no map, coordinates only).

The map is an SVG of the few 256-pixel tiles around the place with a pin on it, drawn on the
server: no map library, no script, nothing but the tiles' own address added to the page's
Content-Security-Policy (img-src, see settings). Used where a place is already shown as
coordinates (a complaint's receipt and the officials' page), and on the complaint form beside
"Use my location" (`mini_map`, htmx).

Tiles follow the usual web map grid ("slippy map", EPSG:3857): at zoom z the world is 2^z × 2^z
tiles, x from 180°W eastwards, y from 85.05°N southwards."""

import math
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from nara.core.access import public
from nara.core.forms import query_param

TILE = 256
ZOOM = 16  # about 600 m across a tile in Korea: a street and its corners
WIDTH, HEIGHT = 320, 200  # what the map shows, in pixels
MAX_LATITUDE = 85.05112878  # the grid's edge


@dataclass(frozen=True)
class Tile:
    href: str
    x: int  # where it sits in the map, in pixels
    y: int


@dataclass(frozen=True)
class MiniMap:
    latitude: float
    longitude: float
    tiles: list[Tile]
    width: int = WIDTH
    height: int = HEIGHT
    attribution: str = ""

    @property
    def pin(self) -> tuple[int, int]:
        return self.width // 2, self.height // 2


def world_pixel(latitude: float, longitude: float, zoom: int = ZOOM) -> tuple[float, float]:
    """The point's position on the whole world's map at `zoom`, in pixels from its top left."""
    size = TILE * 2**zoom
    latitude = max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude))
    sine = math.sin(math.radians(latitude))
    x = (longitude + 180) / 360 * size
    y = (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi)) * size
    return x, y


def mini_map(latitude, longitude) -> MiniMap | None:
    """The small map of a place, or None when there is no tile server or no usable place."""
    template = settings.NARA_MAP_TILES
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not template or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    try:  # settings checked its fields; a format it cannot fill draws no map, not a 500
        template.format(z=ZOOM, x=0, y=0)
    except (KeyError, IndexError, ValueError):
        return None
    x, y = world_pixel(latitude, longitude)
    left, top = round(x) - WIDTH // 2, round(y) - HEIGHT // 2  # the map's corner in the world
    count = 2**ZOOM
    tiles = []
    for row in range(math.floor(top / TILE), math.floor((top + HEIGHT - 1) / TILE) + 1):
        if not 0 <= row < count:
            continue
        for column in range(math.floor(left / TILE), math.floor((left + WIDTH - 1) / TILE) + 1):
            href = template.format(z=ZOOM, x=column % count, y=row)  # wraps round at 180°
            tiles.append(Tile(href=href, x=column * TILE - left, y=row * TILE - top))
    return MiniMap(latitude, longitude, tiles, attribution=settings.NARA_MAP_ATTRIBUTION)


@public
@require_GET
def mini_map_view(request):
    """The small map of the place in the query (`latitude`, `longitude`: the complaint form's
    fields, sent by htmx when they change); empty when there is none to draw."""
    found = mini_map(query_param(request, "latitude", 30), query_param(request, "longitude", 30))
    return render(request, "partials/mini_map.html", {"map": found})
