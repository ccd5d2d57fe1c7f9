"""`{% load korean %}` … `{% filter particles %}{% blocktranslate %}…{% endblocktranslate %}{% endfilter %}`:
Korean particles written in both forms ("%(name)s이(가)") chosen after the name (nara.core.korean)."""

from django import template

from nara.core.korean import particles as choose_particles

register = template.Library()


@register.filter(is_safe=True)
def particles(text):
    return choose_particles(str(text))
