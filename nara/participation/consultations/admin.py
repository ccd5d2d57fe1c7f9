"""Operators author drafts here: the add form takes the draft as plain text ("제1조(목적) …",
paragraphs ①②…) and publishes it through the service; articles and paragraphs are then edited
inline. Comments are read-only: moderators decide in the moderation queue."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Unit
from nara.core.admin import OperatorAdmin, OperatorInline, ReadOnlyAdmin
from nara.participation.models import Process

from . import services
from .models import Article, Comment, Consultation, Paragraph, Report, Scope, Theme
from .text import parse_articles


class ConsultationAddForm(forms.ModelForm):
    unit = forms.ModelChoiceField(label=_("agency"), queryset=Unit.objects.all())
    draft_text = forms.CharField(
        label=_("text of the draft"),
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=_(
            'One article per line starting "제1조(목적)"; paragraphs start with ①, ② …; other '
            "lines continue the paragraph above."
        ),
    )
    days = forms.IntegerField(
        label=_("comment period (days)"),
        required=False,
        min_value=1,
        help_text=_("Empty: 40 days for national rules, 20 for local ones (행정절차법 §43)."),
    )

    class Meta:
        model = Consultation
        fields = ["title", "title_en", "scope", "summary", "summary_en", "current_text_ref"]

    def clean_draft_text(self):
        try:
            articles = parse_articles(self.cleaned_data["draft_text"])
        except ValueError as error:
            raise ValidationError(_("The text must start with an article (제1조).")) from error
        if not articles:
            raise ValidationError(_("The draft needs at least one article."))
        numbers = [a.number for a in articles]
        if len(set(numbers)) != len(numbers):
            raise ValidationError(_("Each article number may appear only once."))
        return articles

    def clean(self):
        data = super().clean()
        scope, days = data.get("scope"), data.get("days")
        if scope in Scope.values and days is not None:
            minimum = services.default_comment_days(scope)
            if days < minimum:
                self.add_error(
                    "days",
                    _("The comment period must be at least %(n)d days.") % {"n": minimum},
                )
        return data


class ArticleInline(OperatorInline):
    model = Article
    fields = ["order", "number", "heading", "heading_en"]
    show_change_link = True


class ParagraphInline(OperatorInline):
    model = Paragraph
    fields = ["order", "number", "text", "current_text"]


EDITABLE = {"title", "title_en", "scope", "summary", "summary_en", "current_text_ref"}
PROCESS_TEXTS = {"title", "title_en", "summary", "summary_en"}


@admin.register(Consultation)
class ConsultationAdmin(OperatorAdmin):
    list_display = ["title", "scope", "process", "support_count", "oppose_count", "neutral_count"]
    list_filter = ["scope"]
    search_fields = ["title"]
    readonly_fields = ["process", "support_count", "oppose_count", "neutral_count", "created_at"]
    list_select_related = ["process"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ConsultationAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "unit",
                ("title", "title_en"),
                "scope",
                ("summary", "summary_en"),
                "current_text_ref",
                "draft_text",
                "days",
            ]
        # Korean and English side by side (an English reader sees "Korean only" where blank)
        return [
            "process",
            ("title", "title_en"),
            "scope",
            ("summary", "summary_en"),
            "current_text_ref",
            "support_count",
            "oppose_count",
            "neutral_count",
            "created_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else [ArticleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            services.consultation_touch(consultation_id=form.instance.pk)

    def save_model(self, request, obj, form, change):
        if change:
            # only what the operator changed: the counts and the version are kept by the
            # services and may have moved since the form was read
            obj.save(update_fields=[f for f in form.changed_data if f in EDITABLE])
            # the draft's process carries its title and summary (the process page shows them)
            texts = {f: getattr(obj, f) for f in form.changed_data if f in PROCESS_TEXTS}
            if texts:
                Process.objects.filter(pk=obj.process_id).update(**texts)
            return None
        data = form.cleaned_data
        created = services.consultation_create(
            unit=data["unit"],
            title=data["title"],
            summary=data["summary"],
            title_en=data.get("title_en", ""),
            summary_en=data.get("summary_en", ""),
            scope=data["scope"] or Scope.NATIONAL,
            current_text_ref=data["current_text_ref"],
            articles=data["draft_text"],
            days=data["days"],
            by=request.user,
        )
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})


@admin.register(Article)
class ArticleAdmin(OperatorAdmin):
    list_display = ["__str__", "consultation", "order"]
    list_select_related = ["consultation"]
    fields = ["consultation", "order", "number", "heading", "heading_en"]
    readonly_fields = ["consultation"]
    inlines = [ParagraphInline]

    def has_add_permission(self, request):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.consultation_touch(consultation_id=form.instance.consultation_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.consultation_touch(consultation_id=obj.consultation_id)

    def delete_queryset(self, request, queryset):
        touched = set(queryset.values_list("consultation_id", flat=True))
        super().delete_queryset(request, queryset)
        for consultation_id in touched:
            services.consultation_touch(consultation_id=consultation_id)


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["id", "consultation", "article", "stance", "moderation_status", "submitted_at"]
    list_filter = ["moderation_status", "stance"]
    list_select_related = ["consultation", "article"]
    readonly_fields = [f.name for f in Comment._meta.fields]
    show_full_result_count = False


class ThemeInline(OperatorInline):
    model = Theme
    fields = ["order", "title", "summary", "reply", "reply_text"]


@admin.register(Report)
class ReportAdmin(OperatorAdmin):
    list_display = ["consultation", "status", "published_at"]
    readonly_fields = ["consultation", "status", "published_at", "updated_by", "updated_at"]
    inlines = [ThemeInline]

    def has_add_permission(self, request):
        return False
