"""Form widgets."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class LongSelect(forms.Select):
    """A select for long lists (every unit of every agency), rendered in Python: the same HTML
    as Django's select, without a template per option (ten times cheaper per option)."""

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        options = (
            (option["value"], flatatt(option["attrs"]), option["label"])
            for _group, choices, _index in context["optgroups"]
            for option in choices
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(context["attrs"]),
            format_html_join("", '<option value="{}"{}>{}</option>', options),
        )
