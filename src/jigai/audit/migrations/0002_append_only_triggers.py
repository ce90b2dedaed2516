"""Database triggers that refuse UPDATE and DELETE of audit rows.

The refusal lives in the database itself, so neither a bug in the application
nor a QuerySet.update()/delete() nor raw SQL through the application's
connection can rewrite history.
"""

from django.db import migrations

TABLE = "audit_auditentry"

SQLITE_UP = [
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: DELETE refused'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'audit trail is append-only: % refused', TG_OP
           USING ERRCODE = 'insufficient_privilege';
       END;
       $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER audit_entry_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()""",
]
POSTGRES_DOWN = [
    f"DROP TRIGGER IF EXISTS audit_entry_no_update_delete ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_entry_refuse_change()",
]
STATEMENTS = {
    "sqlite": (SQLITE_UP, SQLITE_DOWN),
    "postgresql": (POSTGRES_UP, POSTGRES_DOWN),
}


def _run(schema_editor, index: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise RuntimeError(f"jigai supports SQLite and PostgreSQL, not {vendor}")
    for sql in STATEMENTS[vendor][index]:
        schema_editor.execute(sql, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, 0)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
