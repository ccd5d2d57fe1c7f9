"""Template helpers of participation moderation: the "report this" control (`_flag.html`)."""

from django import template
from django.urls import reverse

from nara.participation.models import Flag

register = template.Library()


@register.simple_tag
def flag_control(item) -> dict:
    """What the "report this" form of `item` needs: where it posts, a unique id for its
    fields, and the reasons to choose from. No query."""
    kind = item._meta.label_lower
    return {
        "url": reverse("participation_moderation:flag", kwargs={"kind": kind, "pk": item.pk}),
        "uid": f"flag-{kind.replace('.', '-')}-{item.pk}",
        "reasons": Flag.Reason.choices,
    }
