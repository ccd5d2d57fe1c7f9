from django.db import migrations


def create(apps, schema_editor):
    PetitionType = apps.get_model("petitions", "PetitionType")
    PetitionType.objects.get_or_create(
        code="national",
        defaults={"name_ko": "국민청원", "name_en": "National petition"},
    )


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
