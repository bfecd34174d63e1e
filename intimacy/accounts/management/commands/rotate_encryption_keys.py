"""Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), deploy, run this, then drop
the old keys. Safe to run twice, and while the app is serving.
"""

from django.apps import apps
from django.core.management.base import BaseCommand

from intimacy.lib.crypto import EncryptedTextField

CHUNK = 500


class Command(BaseCommand):
    help = "Re-encrypt all encrypted text with the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            done = 0
            # Reading decrypts with whichever key fits; saving encrypts with the first.
            rows = model._default_manager.only("pk", *fields).order_by("pk")
            batch = []
            for row in rows.iterator(chunk_size=CHUNK):
                batch.append(row)
                if len(batch) == CHUNK:
                    model._default_manager.bulk_update(batch, fields)
                    done += len(batch)
                    batch = []
            if batch:
                model._default_manager.bulk_update(batch, fields)
                done += len(batch)
            total += done
            self.stdout.write(
                f"{model._meta.label}: {done} rows re-encrypted ({', '.join(fields)})"
            )
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows."))
