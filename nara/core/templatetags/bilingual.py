"""`{% bi obj "title" %}`: a field in the reader's language (nara.core.bilingual);
`{% bi obj "title" plain=True %}` as plain text, for attributes and <title>."""

from django import template

from nara.core import bilingual

register = template.Library()


@register.simple_tag
def bi(obj, field, plain=False):
    return bilingual.text(obj, field) if plain else bilingual.html(obj, field)
