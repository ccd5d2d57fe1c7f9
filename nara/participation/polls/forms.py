"""The poll response form: one field per question, checked by the same rules as the service
(`services.answer_clean`), so everything typed is kept and each question shows its own error."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from nara.core import bilingual

from . import services
from .models import Question, QuestionKind

K = QuestionKind


class RankingWidget(forms.Widget):
    """One rank selector per option, named `<field>_<option id>`; rendered by the template."""

    use_fieldset = True

    def __init__(self, choice_ids, attrs=None):
        super().__init__(attrs)
        self.choice_ids = list(choice_ids)

    def value_from_datadict(self, data, files, name):
        return {str(cid): (data.get(f"{name}_{cid}") or "")[:5] for cid in self.choice_ids}

    def value_omitted_from_data(self, data, files, name):
        return False


class QuestionField(forms.Field):
    """Any kind of question; cleaning is `services.answer_clean`."""

    def __init__(self, question: Question, choice_ids: list[int], **kwargs):
        self.question, self.choice_ids = question, choice_ids
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        raw = value
        if self.question.kind == K.RANKING and isinstance(value, dict):
            raw = {k: v for k, v in value.items()}
        try:
            return services.answer_clean(self.question, raw, self.choice_ids)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class PollResponseForm(forms.Form):
    """No form token: the one-response-per-person constraint already stops double submits."""

    def __init__(self, *args, poll, **kwargs):
        super().__init__(*args, **kwargs)
        self.poll = poll
        self.questions = list(poll.questions.all())
        for question in self.questions:
            choices = list(question.choices.all())
            ids = [c.pk for c in choices]
            options = [(str(c.pk), bilingual.html(c, "text")) for c in choices]
            if question.kind == K.SINGLE:
                widget = forms.RadioSelect(choices=options)
            elif question.kind == K.MULTIPLE:
                widget = forms.CheckboxSelectMultiple(choices=options)
            elif question.kind == K.RANKING:
                widget = RankingWidget(ids)
            else:
                widget = forms.Textarea(attrs={"rows": 4, "maxlength": services.TEXT_MAX})
            name = f"q{question.pk}"
            self.fields[name] = QuestionField(
                question,
                ids,
                label=bilingual.text(question, "text"),
                help_text=bilingual.text(question, "help_text", mark=False),
                widget=widget,
            )
            field = self.fields[name]
            field.choices_list = choices
            field.ranks_needed = services.ranks_needed(question, len(choices))
            field.rank_numbers = list(range(1, field.ranks_needed + 1))

    def items(self):
        """(question, bound field, ranking rows) in order, for the template; ranking rows are
        (option, the rank chosen as a number or None)."""
        for question in self.questions:
            bound = self[f"q{question.pk}"]
            rows = None
            if question.kind == K.RANKING:
                value = bound.value() if self.is_bound else {}
                rows = []
                for choice in bound.field.choices_list:
                    raw = (value or {}).get(str(choice.pk), "")
                    rows.append((choice, int(raw) if str(raw).isdigit() else None))
            yield question, bound, rows

    def answers(self) -> dict:
        """The cleaned answers keyed by question id (for `poll_respond`)."""
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def raw_answers(self) -> dict:
        """What was sent, keyed by question id (the service checks it again)."""
        raw = {}
        for question in self.questions:
            name = f"q{question.pk}"
            widget = self.fields[name].widget
            if question.kind == K.MULTIPLE:
                raw[question.pk] = self.data.getlist(name)
            else:
                raw[question.pk] = widget.value_from_datadict(self.data, self.files, name)
        return raw


RANK_HINT = _("1 is your first choice.")
