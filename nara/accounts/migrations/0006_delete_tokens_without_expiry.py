"""Tokens issued before 0005 kept expires_at NULL: they count as expired (ApiToken.is_expired),
so nobody can use them, and the clean-up task, which deleted only tokens past their expiry,
never removed them. Delete them."""

from django.db import migrations


def delete_tokens_without_expiry(apps, schema_editor):
    apps.get_model("accounts", "ApiToken").objects.filter(expires_at__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_signin_throttle_token_expiry")]

    operations = [
        migrations.RunPython(delete_tokens_without_expiry, migrations.RunPython.noop),
    ]
