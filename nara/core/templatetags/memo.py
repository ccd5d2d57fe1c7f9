"""`{% memo "name" value… %}…{% endmemo %}`: a fragment rendered once per process for each
combination of the values (and the active language and time zone), then reused as it is.

For markup that pages repeat and that depends only on those values and on what is fixed while
the process runs (URLs, translations, static file names): the site's navigation costs about a
millisecond to render, a dictionary lookup to reuse; a row of a list, a few hundred
microseconds. The values must name everything the fragment shows: anything else of the
context would be shown to the next request with the same values. Unlike `{% cache %}`, nothing
leaves the process and nothing expires, so nothing can be stale: a row whose status changed
has another key. The least recently used fragments are forgotten beyond `LIMIT`; a setting
changed (in tests) forgets everything. When the first key variable is missing from the context
(a page that does not set it), the fragment is rendered each time rather than shared.
"""

import hashlib

from django import template
from django.core.signals import setting_changed
from django.db import models
from django.urls import get_script_prefix
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from nara.core.lru import LRU

register = template.Library()

LIMIT = 4096  # fragments kept per process (rows of lists are about 0.5 KB each)
_rendered = LRU()


def forget(**kwargs) -> None:
    _rendered.forget()


setting_changed.connect(forget)


def _columns(value):
    if isinstance(value, models.Model):
        return (
            value._meta.label,
            *(getattr(value, f.attname) for f in value._meta.concrete_fields),
        )
    if isinstance(value, (tuple, list)):
        return tuple(_columns(v) for v in value)
    return value


def fingerprint(*values) -> str:
    """A short digest of `values`, a model instance (also inside tuples and lists) standing
    for all its columns: a memo key for a fragment that shows many fields of some rows (any
    change of a row is another key)."""
    return hashlib.blake2b(repr(_columns(values)).encode(), digest_size=16).hexdigest()


class MemoNode(template.Node):
    def __init__(self, nodelist, name: str, values: list):
        self.nodelist = nodelist
        self.name = name
        self.values = values

    def render(self, context):
        first = self.values[0].var if self.values else None
        if (
            isinstance(first, template.Variable)
            and first.lookups
            and first.lookups[0] not in context
        ):
            return self.nodelist.render(context)  # a page that does not set the key: no memo
        key = (
            self.name,
            get_language(),
            get_current_timezone_name(),
            get_script_prefix(),  # links inside were built for it
            *(v.resolve(context) for v in self.values),
        )
        html = _rendered.recall(key)
        if html is None:
            html = self.nodelist.render(context)  # outside the lock: memos nest
            _rendered.keep(key, html, LIMIT)
        return html


@register.tag
def memo(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "'\"" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError("{% memo %} needs a quoted name first")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, bits[1][1:-1], [parser.compile_filter(b) for b in bits[2:]])
