"""Korea's regions (시도 and 시군구), shipped as seed data from nara/core/data/kr_regions.csv
(Ministry of the Interior 법정동코드, 2026-09-17). Operators can update them in the admin."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "kr_regions.csv"


def load(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    provinces = {}
    for row in rows:
        if not row["sigungu"]:
            provinces[row["code"]] = Region.objects.create(
                code=row["code"], name_ko=row["sido"], name_en=row["name_en"]
            )
    Region.objects.bulk_create(
        Region(
            code=row["code"],
            name_ko=row["sigungu"],
            name_en=row["name_en"],
            parent=provinces[row["code"][:2]],
        )
        for row in rows
        if row["sigungu"]
    )


def unload(apps, schema_editor):
    apps.get_model("core", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
