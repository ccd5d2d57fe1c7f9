"""Form widgets."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe


class LongSelect(forms.Select):
    """A select for long lists (every unit of every agency), rendered in Python: the same HTML
    as Django's select, without a template and a context dict per option."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        selected = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if key == selected else ""}>'
            f"{escape(label)}</option>"
            for key, label in ((str(k), v) for k, v in self.choices)
        )
        html = f'<select name="{escape(name)}"{flatatt(attrs)}>{options}</select>'
        return mark_safe(html)  # every value above is escaped
