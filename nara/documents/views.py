"""The officials' documents (기안, 결재, 문서대장): my documents by state and what waits for me,
drafting and changing a draft, a document's page with its line and the actions its reader may
take, the unit's register and its CSV. Thin: forms → services → redirect. Anything a user may
not see is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.agencies.models import Unit
from nara.agencies.selectors import official_of_unit_or_above, official_unit_ids
from nara.approvals import engine
from nara.core.access import official_required
from nara.core.csvexport import csv_response
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, page_number

from . import policies, services
from .forms import DecisionForm, DocumentForm, initial_for
from .models import Document, LineTemplate, Status

PAGE_SIZE = 25
TABS = ("waiting", "drafts", "in_approval", "returned", "registered")


def _visible(request, pk) -> Document:
    document = get_object_or_404(
        Document.objects.select_related("unit", "drafter", "document_type", "classification"),
        pk=pk,
    )
    if not policies.can_see(request.user, document):
        raise Http404
    return document


@official_required
@require_GET
def my_documents(request):
    """What waits for me (with the time it has waited), and my documents by state."""
    tab = request.GET.get("tab", "waiting")
    tab = tab if tab in TABS else "waiting"
    if tab == "waiting":
        steps = engine.waiting_for(request.user).filter(line__kind=services.KIND)
        ids = {s.line.object_id: s for s in steps}
        rows = [
            (doc, ids[doc.pk])
            for doc in Document.objects.filter(pk__in=ids).select_related("unit", "drafter")
        ]
        rows.sort(key=lambda row: row[1].line.submitted_at)
        page = Paginator(rows, PAGE_SIZE).get_page(page_number(request))
    else:
        status = {
            "drafts": Status.DRAFT,
            "in_approval": Status.IN_APPROVAL,
            "returned": Status.RETURNED,
            "registered": Status.REGISTERED,
        }[tab]
        docs = Document.objects.filter(drafter=request.user, status=status).select_related("unit")
        page = Paginator(
            [(doc, None) for doc in docs.order_by("-updated_at", "-id")], PAGE_SIZE
        ).get_page(page_number(request))
    return render(request, "documents/mine.html", {"tab": tab, "tabs": TABS, "page": page})


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def document_new(request):
    if request.method != "POST":
        templates = line_templates(request.user)
        chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
        initial = {}
        if chosen is not None:
            initial = {
                "unit": chosen.unit_id,
                "document_type": chosen.document_type_id,
                "reviewer": chosen.reviewer_id,
                "cooperating_units": [u.pk for u in chosen.cooperating_units.all()],
            }
        form = DocumentForm(initial=initial, user=request.user)
        context = {"form": form, "templates": templates, "chosen": chosen}
        return render(request, "documents/edit.html", context)
    form = DocumentForm(request.POST, request.FILES, user=request.user)
    return _save(request, form, None)


def line_templates(user) -> list:
    """The approval line templates of the official's units."""
    return list(
        LineTemplate.objects.filter(unit__in=official_unit_ids(user))
        .select_related("unit", "document_type")
        .prefetch_related("cooperating_units")
    )


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def document_edit(request, pk):
    document = _visible(request, pk)
    if not policies.can_edit(request.user, document):
        raise Http404
    if request.method != "POST":
        form = DocumentForm(initial=initial_for(document), user=request.user, document=document)
        return render(request, "documents/edit.html", {"form": form, "document": document})
    form = DocumentForm(request.POST, request.FILES, user=request.user, document=document)
    return _save(request, form, document)


def _save(request, form, document):
    context = {"form": form, "document": document}
    if not form.is_valid():
        return render(request, "documents/edit.html", context, status=400)
    data = dict(form.cleaned_data)
    try:
        saved = services.document_save(
            by=request.user,
            document=document,
            data=data,
            withheld=form.withheld(),
            files=data.get("attachments") or [],
        )
    except ValidationError as error:
        if "withheld" in getattr(error, "message_dict", {}):
            form.add_error("passage_0", error.message_dict.pop("withheld")[0])
            error = ValidationError(error.message_dict) if error.message_dict else None
        if error is not None:
            apply_service_errors(form, error)
        return render(request, "documents/edit.html", context, status=400)
    except (NotAllowed, InvalidTransition) as error:
        form.add_error(None, error.message)
        return render(request, "documents/edit.html", context, status=409)
    messages.success(request, _("The draft is saved."))
    return redirect(saved.get_absolute_url())


@official_required
@require_GET
def document_detail(request, pk):
    document = _visible(request, pk)
    lines = list(
        engine.lines_of(document).prefetch_related(
            "steps__unit", "steps__acted_by", "steps__person"
        )
    )
    current = next((line for line in lines if line.status == "in_progress"), None)
    return render(
        request,
        "documents/detail.html",
        _detail_context(request, document, lines, current),
    )


def _detail_context(request, document, lines, current, **extra):
    user = request.user
    return {
        "document": document,
        "lines": lines,
        "current": current,
        "may_edit": policies.can_edit(user, document),
        "may_decide": current is not None and engine.may_act(current, user),
        "may_withdraw": current is not None
        and current.drafter_id == user.pk
        and not any(s.acted_at for s in current.steps.all()),
        "may_post_approve": policies.can_post_approve(user, document),
        "findings": services.personal_data(document) if policies.can_edit(user, document) else [],
        "decision_form": extra.pop("decision_form", DecisionForm()),
        **extra,
    }


def _act(request, pk, action):
    """Run one action on a document; its refusal is shown on the document's page."""
    document = _visible(request, pk)
    try:
        action(document)
    except ValidationError as error:
        messages.error(request, " ".join(_messages_of(error)))
    except (NotAllowed, InvalidTransition) as error:
        messages.error(request, error.message or _("That is not possible now."))
    return redirect(document.get_absolute_url())


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


@official_required
@require_POST
def document_submit(request, pk):
    def submit(document):
        services.document_submit(
            document=document, by=request.user, confirm=request.POST.getlist("confirm")
        )
        messages.success(request, _("Submitted for approval."))

    return _act(request, pk, submit)


@official_required
@require_POST
def document_withdraw(request, pk):
    def withdraw(document):
        services.document_withdraw(document=document, by=request.user)
        messages.success(request, _("Withdrawn: it is a draft again."))

    return _act(request, pk, withdraw)


@official_required
@require_POST
def document_decide(request, pk):
    decision = request.POST.get("decision")
    if decision not in ("approve", "return", "hold"):
        raise Http404
    form = DecisionForm(request.POST)
    comment = form.data.get("comment", "")[:2000]

    def decide(document):
        services.document_decide(
            document=document,
            by=request.user,
            decision=decision,
            comment=comment,
            line_id=request.POST.get("line"),
        )
        done = {
            "approve": _("Approved."),
            "return": _("Returned to its drafter."),
            "hold": _("Held."),
        }
        messages.success(request, done[decision])

    return _act(request, pk, decide)


@official_required
@require_POST
def document_post_approve(request, pk):
    def post_approve(document):
        services.document_post_approve(document=document, by=request.user)
        messages.success(request, _("Approved afterwards."))

    return _act(request, pk, post_approve)


@official_required
@require_GET
def document_pdf(request, pk):
    """The original PDF (with what is withheld from the public), for those who may see it."""
    document = _visible(request, pk)
    if not document.pdf:
        raise Http404
    return FileResponse(
        document.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{document.reg_no}.pdf",
    )


@official_required
@require_GET
def attachment(request, pk, attachment_id):
    document = _visible(request, pk)
    item = get_object_or_404(document.attachments, pk=attachment_id)
    return FileResponse(
        item.file.open("rb"), content_type=item.content_type, as_attachment=True, filename=item.name
    )


@official_required
@require_GET
def register(request):
    """The unit's register (문서대장): its registered documents, newest first; `?format=csv`."""
    units = Unit.objects.filter(pk__in=official_unit_ids(request.user)).order_by("name_ko")
    code = request.GET.get("unit") or (units[0].code if units else "")
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not official_of_unit_or_above(request.user, unit):
        raise Http404
    docs = (
        Document.objects.filter(unit=unit, status=Status.REGISTERED)
        .select_related("document_type", "drafter")
        .order_by("-reg_year", "-reg_serial")
    )
    if request.GET.get("format") == "csv":
        return _register_csv(unit, docs)
    page = Paginator(docs, PAGE_SIZE).get_page(page_number(request))
    return render(request, "documents/register.html", {"unit": unit, "units": units, "page": page})


def _register_csv(unit, docs):
    header = ["reg_no", "registered_at", "title", "type", "drafter", "grade", "retention"]
    rows = (
        [
            d.reg_no,
            localtime(d.registered_at).isoformat(),
            d.title,
            d.document_type.code,
            d.drafter.display_name,
            d.grade,
            d.retention,
        ]
        for d in docs.iterator(chunk_size=500)
    )
    return csv_response(f"register-{unit.code}.csv", header, rows)
