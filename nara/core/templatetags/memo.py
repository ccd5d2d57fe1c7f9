"""`{% memo "name" value… %}…{% endmemo %}`: a fragment rendered once per process for each
combination of the values (and the active language and time zone), then reused as it is.

For markup that pages repeat and that depends only on those values and on what is fixed while
the process runs (URLs, translations, static file names): the site's navigation costs about a
millisecond to render, a dictionary lookup to reuse; a row of a list, a few hundred
microseconds. The values must name everything the fragment shows: anything else of the
context would be shown to the next request with the same values (tests/test_memo_sites.py
changes each shown field of each fragment and checks its key changes). Unlike `{% cache %}`,
nothing leaves the process and nothing expires, so nothing can be stale: a row whose status
changed has another key.

Fails closed: every value is a variable or a literal (no filters), and a variable missing
from the context (a page that does not set the key, a misspelled name) raises
TemplateSyntaxError instead of sharing one fragment between everyone without it.

At most NARA_MEMO_BYTES of fragments are kept per process, the least recently used forgotten
beyond; a fragment larger than a sixteenth of that (a long complaint's text) is rendered each
time. A setting changed (in tests) forgets everything; "memo" in NARA_OFF renders every
fragment each time (A/B benchmarks).
"""

import hashlib
import sys

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.urls import get_script_prefix
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from nara.core.lru import LRU

register = template.Library()

LARGEST_KEPT = 16  # a fragment over NARA_MEMO_BYTES / 16 is not kept
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
    def __init__(self, nodelist, name: str, values: list[template.Variable]):
        self.nodelist = nodelist
        self.name = name
        self.values = values

    def resolve(self, variable: template.Variable, context):
        try:
            return variable.resolve(context)
        except template.VariableDoesNotExist:
            where = getattr(self.origin, "template_name", None) or "a template"
            raise template.TemplateSyntaxError(
                f'{{% memo "{self.name}" %}} in {where}: its key {variable} is not set; a '
                f"memoized fragment needs every value of its key (else one person's fragment "
                f"would be shown to others)"
            ) from None

    def render(self, context):
        key = (
            self.name,
            get_language(),
            get_current_timezone_name(),
            get_script_prefix(),  # links inside were built for it
            *(self.resolve(v, context) for v in self.values),
        )
        if "memo" in settings.NARA_OFF:
            return self.nodelist.render(context)
        html = _rendered.recall(key)
        if html is None:
            html = self.nodelist.render(context)  # outside the lock: memos nest
            budget = settings.NARA_MEMO_BYTES
            size = sys.getsizeof(html)
            if size <= budget // LARGEST_KEPT:
                _rendered.keep(key, html, budget, size)
        return html


@register.tag
def memo(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "'\"" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError("{% memo %} needs a quoted name first")
    if any("|" in bit for bit in bits[2:]):
        raise template.TemplateSyntaxError("{% memo %} keys are variables or literals, no filters")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, bits[1][1:-1], [template.Variable(b) for b in bits[2:]])
