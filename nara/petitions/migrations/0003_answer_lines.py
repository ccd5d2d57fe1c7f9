"""Answers submitted before the approval engine (nara.approvals) get their approval line: one
approval step, by an approver of the competent unit, as answers.answer_line gives new ones."""

from django.db import migrations


def give_lines(apps, schema_editor):
    PetitionAnswer = apps.get_model("petitions", "PetitionAnswer")
    ApprovalLine = apps.get_model("approvals", "ApprovalLine")
    ApprovalStep = apps.get_model("approvals", "ApprovalStep")
    ContentType = apps.get_model("contenttypes", "ContentType")
    kind, _ = ContentType.objects.get_or_create(app_label="petitions", model="petitionanswer")
    for answer in PetitionAnswer.objects.filter(status="pending").select_related("petition"):
        if answer.petition.unit_id is None or ApprovalLine.objects.filter(
            content_type=kind, object_id=answer.pk, status="in_progress"
        ).exists():
            continue
        line = ApprovalLine.objects.create(
            kind="petition.answer",
            content_type=kind,
            object_id=answer.pk,
            drafter_id=answer.drafted_by_id,
            status="in_progress",
            submitted_at=answer.updated_at,
        )
        ApprovalStep.objects.create(
            line=line,
            position=1,
            kind="approve",
            unit_id=answer.petition.unit_id,
            role="approver",
            state="pending",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0002_default_type"),
        ("approvals", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(give_lines, migrations.RunPython.noop)]
