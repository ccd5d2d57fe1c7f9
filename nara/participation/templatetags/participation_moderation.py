"""Template helpers of participation moderation: the "report this" link (`_flag.html`)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def flag_url(item) -> str:
    """Where the "report this" link of `item` leads (the report form)."""
    return reverse(
        "participation_moderation:flag", kwargs={"kind": item._meta.label_lower, "pk": item.pk}
    )
