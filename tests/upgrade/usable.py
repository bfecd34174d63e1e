"""After the upgrade, with the current code: the previous release's data is usable.

The upgrade test runs `manage.py shell -c "from tests.upgrade.usable import check; check()"`
against the upgraded database. Every encrypted value decrypts with the keys it was written
with, a partner's own check-in (private note included) and dashboard render for them, and
a new row goes in.
"""

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from checkins.models import CheckIn, ParkedTopic
from checkins.services import topic_park
from intimacy.lib.crypto import PREFIX, EncryptedTextField, decrypt

# What allauth's two-factor keeps encrypted inside its JSON (see rotate_encryption_keys).
MFA_SECRETS = ("secret", "seed")


def decrypt_everything() -> int:
    """Read every encrypted value through its field (which decrypts it); how many there were."""
    count = 0
    for model in apps.get_models():
        fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
        for values in model._default_manager.values_list(*fields) if fields else []:
            assert not any(v.startswith(PREFIX) for v in values if v), model._meta.label
            count += sum(1 for v in values if v)
    for authenticator in Authenticator.objects.all():
        for key in MFA_SECRETS:
            if isinstance(authenticator.data.get(key), str):
                assert decrypt(authenticator.data[key]), authenticator.pk
                count += 1
    return count


def check() -> None:
    decrypted = decrypt_everything()
    checkin = CheckIn.objects.exclude(private_note="").select_related("author").order_by("pk")[0]
    client = Client()
    client.force_login(checkin.author)
    pages = {
        "check-in": reverse("checkins:detail", args=[checkin.pk]),
        "history": reverse("checkins:history"),
        "dashboard": reverse("dashboard"),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name} ({url}): {response.status_code}"
    page = client.get(pages["check-in"]).content.decode()
    assert escape(checkin.private_note) in page, "the private note is not on its author's page"
    # A new row in an upgraded table: its id sequence carries on after the old rows.
    newest = ParkedTopic.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    topic = topic_park(couple=checkin.couple, author=checkin.author, text="After the upgrade")
    assert topic.pk > newest
    assert ParkedTopic.objects.get(pk=topic.pk).text == "After the upgrade"
    print(
        f"usable: {decrypted} encrypted values decrypted; {checkin.author}'s check-in of "
        f"{checkin.local_date} (with its private note), history and dashboard render; a "
        "topic parked"
    )
