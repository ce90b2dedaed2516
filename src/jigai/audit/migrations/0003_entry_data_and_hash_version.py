"""Audit entries store their sentence's data, and the hash covers it (hash version 2).

Both new columns are nullable without a default, so SQLite adds them in place
(ALTER TABLE ADD COLUMN) instead of rebuilding the table, which would drop the
append-only triggers of migration 0002. Existing rows keep their summary and get
NULL for both, which the code reads as hash version 1.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="data",
            field=models.JSONField(blank=True, null=True, verbose_name="sentence data"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="hash version"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="summary",
            field=models.TextField(blank=True, verbose_name="summary"),
        ),
    ]
