"""Choosing a region in two steps, 시·도 then 시·군·구, in every form that asks for one (a
complaint, a profile, a signature): one flat list of 286 regions is unusable on a phone.

`TwoStepRegionForm` adds the two selects to a form and gives `cleaned_data["region"]` (the
시·군·구, else the 시·도, else None). With JavaScript, choosing a 시·도 loads its 시·군·구 into the
second select (htmx, `sigungu_options`); without it, the second select lists them all, grouped
under their 시·도, and a 시·군·구 outside the chosen 시·도 is an error that says so."""

from django import forms
from django.core.cache import caches
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from nara.core.access import public
from nara.core.forms import query_param
from nara.core.korean import particles
from nara.core.models import Region


def provinces():
    return Region.objects.filter(parent=None).order_by("code")


def sigungu_of(sido_code: str):
    return Region.objects.filter(parent__code=sido_code).order_by("code")


def grouped_sigungu_choices():
    """Every 시군구 grouped under its 시도: the no-JavaScript list (with JavaScript, htmx loads
    only the chosen 시도's 시군구)."""
    groups: dict[int, list] = {}
    for region in Region.objects.exclude(parent=None).order_by("code"):
        groups.setdefault(region.parent_id, []).append((region.code, region.name))
    choices = [("", _("Not given"))]
    for province in provinces():
        if province.pk in groups:
            choices.append((province.name, groups[province.pk]))
    return choices


class TwoStepRegionForm(forms.Form):
    """A form's region as 시·도 then 시·군·구. `region_required`: a 시·도 must be chosen;
    `region_help`: the help text under the 시·군·구."""

    region_required = False
    region_help = ""

    sido = forms.ModelChoiceField(
        label=_("Province or metropolitan city (시·도)"),
        queryset=Region.objects.filter(parent=None),
        to_field_name="code",
        required=False,
        empty_label=_("Choose…"),
        error_messages={
            "required": _("Choose your province or metropolitan city."),
            "invalid_choice": _("Choose your province or metropolitan city from the list."),
        },
    )
    sigungu = forms.ModelChoiceField(
        label=_("City, county or district (시·군·구)"),
        queryset=Region.objects.exclude(parent=None).select_related("parent"),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("Choose a 시·군·구 from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sido, sigungu = self.fields["sido"], self.fields["sigungu"]
        sido.queryset = provinces()
        sido.required = self.region_required
        if not self.region_required:
            sido.empty_label = _("Not given")
        sigungu.help_text = self.region_help
        sido.widget.attrs.update(
            {
                "hx-get": reverse("sigungu_options"),
                "hx-trigger": "change",
                "hx-target": f"#{self.auto_id % self.add_prefix('sigungu')}"
                if self.auto_id
                else "",
                "hx-swap": "innerHTML",
            }
        )
        sigungu.choices = grouped_sigungu_choices()

    @staticmethod
    def initial_of(region) -> dict:
        """The two selects' initial values for a region already chosen."""
        if region is None:
            return {"sido": None, "sigungu": None}
        if region.parent_id is None:
            return {"sido": region.code, "sigungu": None}
        return {"sido": region.parent.code, "sigungu": region.code}

    def clean(self):
        data = super().clean()
        sido, sigungu = data.get("sido"), data.get("sigungu")
        if self.has_error("sido") or self.has_error("sigungu"):
            return data
        if sigungu is not None and sido is not None and sigungu.parent_id != sido.pk:
            self.add_error(
                "sigungu",
                particles(
                    _("%(place)s is not in %(province)s: choose one of its 시·군·구, or none.")
                    % {"place": sigungu.name, "province": sido.name}
                ),
            )
        data["region"] = sigungu or sido
        data.pop("sido", None)
        data.pop("sigungu", None)
        return data


@public
@require_GET
def sigungu_options(request):
    """The 시군구 of a 시도, as <option>s for a form's second select (htmx)."""
    sido = query_param(request, "sido", 10)
    sido = sido if len(sido) == 2 and sido.isdigit() else ""  # a 시도 code, or all of them
    cache_key = f"regions:sigungu:{get_language()}:{sido}"  # at most 100 × the languages
    html = caches["pages"].get(cache_key)
    if html is None:
        if sido:
            context = {"regions": list(sigungu_of(sido)), "groups": None}
        else:
            context = {"regions": None, "groups": grouped_sigungu_choices()[1:]}
        html = render_to_string("partials/sigungu_options.html", context, request)
        caches["pages"].set(cache_key, html, 3600)
    response = HttpResponse(html)
    response["Cache-Control"] = "public, max-age=3600"
    patch_vary_headers(response, ["Cookie"])  # the language may come from the cookie
    return response
