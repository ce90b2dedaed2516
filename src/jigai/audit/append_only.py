"""The SQL of append-only tables: triggers refusing UPDATE and DELETE on SQLite and PostgreSQL.

Used by the migrations of tables whose rows are never changed (the projects' ledgers; the
audit trail's own migration 0002 spells out the same statements). A migration calls
:func:`create` and :func:`drop` with its schema editor.
"""

from __future__ import annotations


def _statements(vendor: str, table: str, name: str, what: str) -> tuple[list[str], list[str]]:
    if vendor == "sqlite":
        up = [
            f"""CREATE TRIGGER {name}_no_{op.lower()} BEFORE {op} ON {table}
                BEGIN SELECT RAISE(ABORT, '{what} is append-only: {op} refused'); END"""
            for op in ("UPDATE", "DELETE")
        ]
        down = [f"DROP TRIGGER IF EXISTS {name}_no_{op}" for op in ("update", "delete")]
        return up, down
    if vendor == "postgresql":
        up = [
            f"""CREATE OR REPLACE FUNCTION {name}_refuse_change() RETURNS trigger AS $$
               BEGIN
                 RAISE EXCEPTION '{what} is append-only: % refused', TG_OP
                   USING ERRCODE = 'insufficient_privilege';
               END;
               $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {name}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {name}_refuse_change()""",
        ]
        down = [
            f"DROP TRIGGER IF EXISTS {name}_no_update_delete ON {table}",
            f"DROP FUNCTION IF EXISTS {name}_refuse_change()",
        ]
        return up, down
    raise RuntimeError(f"jigai supports SQLite and PostgreSQL, not {vendor}")


def create(schema_editor, table: str, name: str, what: str) -> None:
    for sql in _statements(schema_editor.connection.vendor, table, name, what)[0]:
        schema_editor.execute(sql, params=None)


def drop(schema_editor, table: str, name: str, what: str) -> None:
    for sql in _statements(schema_editor.connection.vendor, table, name, what)[1]:
        schema_editor.execute(sql, params=None)
