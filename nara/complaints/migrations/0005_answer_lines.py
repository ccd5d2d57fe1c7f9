"""Answers submitted before the approval engine (nara.approvals) get their approval line: one
approval step, by an approver of the handling unit, as answers.answer_line gives new ones."""

from django.db import migrations


def give_lines(apps, schema_editor):
    AnswerDraft = apps.get_model("complaints", "AnswerDraft")
    ApprovalLine = apps.get_model("approvals", "ApprovalLine")
    ApprovalStep = apps.get_model("approvals", "ApprovalStep")
    ContentType = apps.get_model("contenttypes", "ContentType")
    kind, _ = ContentType.objects.get_or_create(app_label="complaints", model="answerdraft")
    waiting = AnswerDraft.objects.filter(
        state="submitted", complaint__status="pending_approval"
    ).select_related("complaint")
    for draft in waiting:
        if draft.complaint.unit_id is None:  # waiting for approval before routing: not possible
            continue
        if ApprovalLine.objects.filter(
            content_type=kind, object_id=draft.pk, status="in_progress"
        ).exists():
            continue
        line = ApprovalLine.objects.create(
            kind="complaint.answer",
            content_type=kind,
            object_id=draft.pk,
            drafter_id=draft.author_id,
            status="in_progress",
            submitted_at=draft.created_at,
        )
        ApprovalStep.objects.create(
            line=line,
            position=1,
            kind="approve",
            unit_id=draft.complaint.unit_id,
            role="approver",
            state="pending",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_saved_filter_query_text"),
        ("approvals", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(give_lines, migrations.RunPython.noop)]
