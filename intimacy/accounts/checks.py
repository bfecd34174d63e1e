"""A system check that the encryption keys read what is stored (`manage.py check --database
default`, and every `migrate`, so the deploy stops before the app serves errors).

With a wrong or missing key in FIELD_ENCRYPTION_KEYS every page that shows a note answers with
an error while the health checks stay green; this check reads the newest stored value of each
encrypted column (and a two-factor secret) and says which key is missing instead.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from allauth.mfa.models import Authenticator
from django.apps import AppConfig, apps
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from intimacy.lib.crypto import PREFIX, EncryptedTextField, decrypt


def _newest_stored(alias: str, table: str, column: str, pk: str) -> str | None:
    connection = connections[alias]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608 - names from models
            f"WHERE {quote(column)} LIKE %s ORDER BY {quote(pk)} DESC LIMIT 1",
            [PREFIX + "%"],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _stored_values(alias: str) -> Iterable[tuple[str, str]]:
    """(where, stored value) for the newest encrypted value of each column that has one."""
    with connections[alias].cursor() as cursor:
        tables = set(connections[alias].introspection.table_names(cursor))
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue  # not migrated yet: nothing stored
        for field in model._meta.fields:
            if isinstance(field, EncryptedTextField):
                stored = _newest_stored(
                    alias, model._meta.db_table, field.column, model._meta.pk.column
                )
                if stored is not None:
                    yield f"{model._meta.label}.{field.name}", stored
    if Authenticator._meta.db_table in tables:
        secret = (
            Authenticator.objects.using(alias)
            .filter(type=Authenticator.Type.TOTP)
            .values_list("data", flat=True)
            .first()
        )
        if secret and isinstance(secret.get("secret"), str):
            yield "two-factor secrets", secret["secret"]


@register(Tags.database)
def encryption_keys_read_what_is_stored(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None = None, **_: Any
) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for alias in databases or []:
        for where, stored in _stored_values(alias):
            try:
                decrypt(stored)
            except ImproperlyConfigured:
                errors.append(
                    Error(
                        f"Stored text ({where}) cannot be decrypted with FIELD_ENCRYPTION_KEYS.",
                        hint="Put back the key it was encrypted with (keep it after the new "
                        "one while rotating); see the README, 'Rotating keys'.",
                        id="intimacy.E001",
                    )
                )
    return errors
