"""History rows of many objects in one statement (django-simple-history's tables, issue 14).

`bulk_create_with_history` builds a historical model instance in Python for every object and
inserts them in batches: at 27,000 warnings that was most of a province's check. Here the
history rows are copied from the rows just written, by the database, in one INSERT … SELECT
per call: the same columns simple-history fills (every tracked field, history_date,
history_type, history_user_id, history_change_reason), so the trail pages read them as any other.
"""
from django.db import connection


def history_insert_select(model, pks, *, history_type: str, user=None, reason: str | None = None,
                          when) -> int:
    """Record the current state of `model`'s rows `pks` as history entries of `history_type`
    ("+" created, "~" changed) by `user` at `when`; returns the number of entries written."""
    pks = list(pks)
    if not pks:
        return 0
    history = model.history.model
    tracked = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    columns = ", ".join(connection.ops.quote_name(c) for c in tracked)
    head = (f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "
            f"({columns}, history_date, history_type, history_user_id, history_change_reason) "
            f"SELECT {columns}, %s, %s, %s, %s FROM {connection.ops.quote_name(model._meta.db_table)} "
            f"WHERE {connection.ops.quote_name(model._meta.pk.column)} ")
    postgres = connection.vendor == "postgresql"
    chunk = 50_000 if postgres else 500  # SQLite (the demo) binds each id as its own parameter
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(pks), chunk):
            part = pks[start:start + chunk]
            where = "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(part))})"
            params = [when, history_type, getattr(user, "pk", None), reason]
            cursor.execute(head + where, params + ([part] if postgres else part))
            written += cursor.rowcount
    return written
