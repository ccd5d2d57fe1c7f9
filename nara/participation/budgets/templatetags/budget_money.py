"""{{ amount|won }}: an amount of money in the reader's language (1,500,000원 / KRW 1,500,000)."""

from django import template

from nara.participation.budgets.services import won as _won

register = template.Library()


@register.filter
def won(amount) -> str:
    if amount is None or amount == "":
        return ""
    try:
        return _won(int(amount))
    except (TypeError, ValueError):
        return ""
