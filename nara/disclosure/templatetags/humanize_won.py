from django import template

register = template.Library()


@register.filter
def won(amount) -> str:
    """An amount of won with thousands separators: 12,500."""
    try:
        return f"{int(amount):,}"
    except (TypeError, ValueError):
        return ""
