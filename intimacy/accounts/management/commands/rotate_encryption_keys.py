"""Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), deploy, run this, then drop
the old keys. Safe to run twice, and while the app is serving: each chunk of rows is locked
while it is read and written back, so an edit made meanwhile waits and is never lost.
"""

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from intimacy.lib.crypto import EncryptedTextField, rotate

CHUNK = 500
# What allauth's two-factor keeps encrypted (through our MFAAdapter) inside its JSON data.
MFA_SECRETS = ("secret", "seed")


class Command(BaseCommand):
    help = "Re-encrypt all encrypted text with the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
            if fields:
                total += self._rotate(model, fields)
        total += self._rotate_mfa()
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows."))

    def _chunks(self, model: type) -> list[list[int]]:
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        return [pks[i : i + CHUNK] for i in range(0, len(pks), CHUNK)]

    def _rotate(self, model: type, fields: list[str]) -> int:
        done = 0
        for chunk in self._chunks(model):
            with transaction.atomic():
                # Reading decrypts with whichever key fits; saving encrypts with the first.
                rows = list(
                    model._default_manager.select_for_update().filter(pk__in=chunk).only(*fields)
                )
                model._default_manager.bulk_update(rows, fields)
            done += len(rows)
        names = ", ".join(fields)
        self.stdout.write(f"{model._meta.label}: {done} rows re-encrypted ({names})")
        return done

    def _rotate_mfa(self) -> int:
        done = 0
        for chunk in self._chunks(Authenticator):
            with transaction.atomic():
                for authenticator in Authenticator.objects.select_for_update().filter(pk__in=chunk):
                    data = dict(authenticator.data)
                    for key in MFA_SECRETS:
                        if isinstance(data.get(key), str):
                            data[key] = rotate(data[key])
                    authenticator.data = data
                    authenticator.save(update_fields=["data"])
                    done += 1
        self.stdout.write(f"mfa.Authenticator: {done} two-factor secrets re-encrypted")
        return done
