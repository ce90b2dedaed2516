"""Database triggers that refuse UPDATE and DELETE of ledger rows, as for the audit trail.

A ledger row is never edited or deleted (a mistake is corrected by a reversing entry,
``funding.reverse_entry``); the refusal lives in the database, so neither a bug nor raw SQL
through the application's connection can change money already recorded. Someone who drops
the triggers still cannot do it unseen: every row is covered by its audit entry
(``jigai verify``, ``projects.integrity``).

Triggers: ``ledger_entry_no_update`` and ``ledger_entry_no_delete`` (SQLite),
``ledger_entry_no_update_delete`` (PostgreSQL). On SQLite a later migration that rebuilds
this table (most ALTERs other than adding a nullable column) drops them: such a migration
must create them again.
"""

from django.db import migrations

from jigai.audit import append_only

ARGS = ("projects_ledgerentry", "ledger_entry", "ledger")


def create_triggers(apps, schema_editor):
    append_only.create(schema_editor, *ARGS)


def drop_triggers(apps, schema_editor):
    append_only.drop(schema_editor, *ARGS)


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_recompute_funding_plans")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
