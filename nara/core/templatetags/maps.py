"""`{% mini_map latitude longitude %}`: the small map of a place (nara.core.maps), or nothing
where there is no tile server or no place."""

from django import template

from nara.core.maps import mini_map as build

register = template.Library()


@register.inclusion_tag("partials/mini_map.html")
def mini_map(latitude, longitude):
    return {"map": build(latitude, longitude)}
