"""Messages kept to be read later, in the reader's language of the moment.

A notification is written when something happens, in whatever language the person who caused it
uses, and read later by someone who may use another (or has changed theirs since). So it is kept
as its message id and parameters (`stored`), and rendered when it is read (`render`), in the
language of the page that shows it: a fix in the catalogue reaches old notifications too. Its
mail is kept the same way (`kept`) and rendered when it leaves the outbox (`shown`), in the
recipient's language of that moment.

Parameters are kept as they are when they read the same in every language (a receipt number, a
title someone typed, a date); a value that depends on the language (a unit's name, a label, a
callable) is kept rendered in every site language. Korean particles after the parameters are
chosen when the text is rendered (nara.core.korean)."""

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext

from nara.core import bilingual
from nara.core.djangointernals import lazy_translation
from nara.core.korean import particles

log = logging.getLogger(__name__)
PLAIN = (str, int, float, bool, type(None))


class Message:
    """A translatable message, formatted only when rendered: `notify` renders it in the
    recipient's language, not in the language of whoever caused it."""

    def __init__(self, template, params: dict | None = None):
        self.template, self.params = template, params or {}

    def __str__(self) -> str:
        values = {k: v() if callable(v) else v for k, v in self.params.items()}
        return particles(str(self.template) % values)


def msg(template, params: dict | None = None) -> Message:
    """`msg(_("Complaint %(no)s answered"), {"no": …})` with `_` = gettext_lazy (or pgettext_lazy);
    a callable value is called at render time (e.g. a unit's localized name)."""
    return Message(template, params)


def localized(obj, field: str = "name"):
    """The object's `name` in the language active when the message is rendered; or another
    field of it that has an English version beside it (nara.core.bilingual)."""
    if field == "name":
        return lambda: obj.name
    return lambda: bilingual.text(obj, field, mark=False)


def in_every_language(value, limit: int = 2000) -> dict[str, str]:
    """`value` (a Message, a lazy string, a callable) rendered in every site language."""
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(value() if callable(value) else value)[:limit]
    return rendered


def stored(message) -> dict | None:
    """What keeps `message` (a Message or a lazy translation) for rendering later; None for a
    literal text (something a person wrote), which is kept as it is."""
    template, params = (
        (message.template, message.params)
        if isinstance(message, Message)
        else (
            message,
            {},
        )
    )
    found = lazy_translation(template)
    if found is None:
        return None
    function, args = found
    return {
        "f": function,
        "a": list(args),
        "p": {
            key: value if isinstance(value, PLAIN) else {"l": in_every_language(value)}
            for key, value in params.items()
        },
    }


def kept(value) -> dict | str:
    """`value` kept for rendering later: its stored message (`stored`), or the text itself when
    it is literal."""
    spec = stored(value)
    return str(value) if spec is None else spec


def shown(value: dict | str) -> str:
    """A value kept by `kept`, in the active language."""
    return render(value) if isinstance(value, dict) else value


def render(spec: dict) -> str:
    """A stored message in the active language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    values = {}
    for key, value in spec.get("p", {}).items():
        if isinstance(value, dict):
            by_language = value.get("l", {})
            value = by_language.get(language) or by_language.get(settings.LANGUAGE_CODE, "")
        values[key] = value
    source = spec["a"][-1]
    translated = pgettext(*spec["a"]) if spec["f"] == "pgettext" else gettext(source)
    for text in (translated, source):
        try:
            return particles(text % values)
        except (KeyError, ValueError, TypeError):
            # a catalogue entry that does not fit its parameters: the next best text
            log.warning("message %r does not fit its parameters %r", text, sorted(values))
    return source
