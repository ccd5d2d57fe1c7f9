from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nara.core.forms import FormTokenField

from .models import Reply, Stance
from .services import COMMENT_MAX, REPORT_MAX, THEME_TEXT_MAX, THEME_TITLE_MAX

WHOLE_DRAFT = ""


def target_choices(articles) -> list[tuple[str, str]]:
    """The whole draft, each article ("a<id>") and each of its paragraphs ("p<id>")."""
    choices = [(WHOLE_DRAFT, _("The whole draft"))]
    for view in articles:
        article = view.article
        choices.append((f"a{article.pk}", str(article)))
        for pv in view.paragraphs:
            if pv.paragraph.number:
                choices.append((f"p{pv.paragraph.pk}", f"{article.number} {pv.paragraph.number}"))
    return choices


class CommentForm(forms.Form):
    target = forms.ChoiceField(label=_("What are you commenting on?"), required=False)
    stance = forms.ChoiceField(
        label=_("Your position"),
        choices=Stance.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you support or oppose the draft, or neither.")},
    )
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write your comment."),
            "max_length": _("A comment can be at most %(limit_value)d characters."),
        },
        help_text=_(
            "At most %(n)d characters. Comments are published after moderation; your name and "
            "e-mail address are never shown."
        )
        % {"n": COMMENT_MAX},
    )
    token = FormTokenField()

    def __init__(self, *args, articles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = target_choices(articles)
        self.fields["target"].error_messages["invalid_choice"] = _(
            "Choose the whole draft or one of its articles or paragraphs."
        )


class ReportForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of what we heard"),
        max_length=REPORT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class CommentIdsField(forms.TypedMultipleChoiceField):
    """Comment numbers from the checkboxes; the service checks they are published comments of
    this draft (the list shown is only one filtered page of them)."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit() and len(str(value)) < 12


class ThemeForm(forms.Form):
    title = forms.CharField(label=_("Theme"), max_length=THEME_TITLE_MAX)
    summary = forms.CharField(
        label=_("What people said"),
        max_length=THEME_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reply = forms.ChoiceField(
        label=pgettext_lazy("consultation report", "Reply"),
        choices=Reply.choices,
        widget=forms.RadioSelect,
    )
    reply_text = forms.CharField(
        label=_("The agency's reply"),
        max_length=THEME_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    comments = CommentIdsField(
        label=_("Comments this theme covers"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, comment_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].choices = list(comment_choices)
