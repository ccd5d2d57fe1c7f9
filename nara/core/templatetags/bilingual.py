"""`{% bi obj "title" %}`: a field in the reader's language (nara.core.bilingual);
`{% bi obj "title" plain=True %}` as plain text, for attributes and <title>;
`{% bi obj "summary" paragraphs=True %}` as paragraphs (the text's lines as <p> and <br>);
`mark=False`: Korean shown in place of English is not marked "Korean only" (the page says so);
`words=40`: the first 40 words (bilingual.excerpt)."""

from django import template
from django.utils.text import Truncator

from nara.core import bilingual

register = template.Library()


@register.simple_tag
def bi(obj, field, plain=False, paragraphs=False, mark=True, words=0):
    if words:
        return bilingual.excerpt(obj, field, lambda text: Truncator(text).words(words))
    if plain:
        return bilingual.text(obj, field, mark=mark)
    return bilingual.html(obj, field, paragraphs=paragraphs, mark=mark)
