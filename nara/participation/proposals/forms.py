"""Forms for proposals: submitting one, commenting, and the agency's answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Category
from nara.core.forms import FormTokenField

from .models import AnswerKind
from .services import ANSWER_MIN, BODY_MAX, BODY_MIN, COMMENT_MAX, TITLE_MAX


class TextField(forms.CharField):
    """A textarea's text, CR LF counted as one character, NUL bytes refused."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


class ProposalForm(forms.Form):
    token = FormTokenField()
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        error_messages={
            "required": _("Give your proposal a title."),
            "max_length": _("The title can be at most %(limit_value)d characters."),
        },
    )
    body = TextField(
        label=_("Your proposal"),
        min_length=BODY_MIN,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What should change, and why? Do not include personal information."),
        error_messages={
            "required": _("Explain your proposal."),
            "min_length": _("Explain your proposal in at least %(limit_value)d characters."),
            "max_length": _("The text can be at most %(limit_value)d characters."),
        },
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("code"),
        required=False,
        empty_label=_("I don't know / none"),
    )


class CommentForm(forms.Form):
    body = TextField(
        label=_("Your comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Write your comment."),
            "max_length": _("A comment can be at most %(limit_value)d characters."),
        },
    )


class AnswerForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Answer"),
        choices=AnswerKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the answer.")},
    )
    text = TextField(
        label=_("The agency's answer"),
        min_length=ANSWER_MIN,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Published on the proposal's page; supporters and followers are told."),
        error_messages={
            "required": _("Write the answer."),
            "min_length": _("Write the answer in at least %(limit_value)d characters."),
            "max_length": _("The text can be at most %(limit_value)d characters."),
        },
    )


class DecisionForm(forms.Form):
    """An approver's comment on the answer awaiting approval (required to return it)."""

    comment = TextField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return the answer: say what should change."),
    )
