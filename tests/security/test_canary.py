"""Free text is encrypted at rest: a canary written through the app is nowhere in a dump of
the database, in Redis, or in the logs; keys rotate."""

import datetime as dt
import logging
import subprocess

import pytest
import redis
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, ParkedTopic, ReviewAnswer
from intimacy.lib import crypto
from tests.factories import code_for

CANARY = "CANARY-7c1e-do-not-store-plainly"


def write_everything(client, alice, bob, couple) -> None:
    client.force_login(alice)
    client.post(
        reverse("checkins:today"),
        {
            "weather": "rainy",
            "energy": "2",
            "note_to_partner": f"{CANARY} note",
            "private_note": f"{CANARY} private",
            "disclosure": "all",
        },
    )
    review = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    words = {
        "appreciations": f"{CANARY} thanks",
        "went_well": CANARY,
        "hard_moment": CANARY,
        "unspoken_need": CANARY,
        "feel_loved": CANARY,
        "repair": "yes",
        "repair_what": CANARY,
    }
    services.answer_save(review=review, author=bob, fields=words, submit=False)
    client.post(reverse("checkins:topic_park"), {"text": f"{CANARY} topic"})
    # Pages that show it (and may cache or log along the way).
    for name in ("dashboard", "checkins:history", "checkins:review_home"):
        client.get(reverse(name))


@pytest.mark.needs_postgres
@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)
def test_no_canary_in_a_database_dump_redis_or_the_logs(client, alice, bob, couple, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    # Loggers that do not pass their records up to the root (django's own) are watched too.
    watched = [logging.getLogger(name) for name in logging.root.manager.loggerDict]
    for logger in watched:
        logger.addHandler(caplog.handler)
    try:
        write_everything(client, alice, bob, couple)
        # A bad request, a 404 and a form with errors, which Django logs.
        client.post(reverse("checkins:today"), {"weather": "x", "private_note": CANARY})
        client.get("/checkins/999999999/?note=" + CANARY)
    finally:
        for logger in watched:
            logger.removeHandler(caplog.handler)
    assert CheckIn.objects.get().private_note == f"{CANARY} private"  # the app reads it back
    assert ParkedTopic.objects.get().text == f"{CANARY} topic"

    db = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            "--data-only",
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PGPASSWORD": db["PASSWORD"] or ""},
    ).stdout
    assert "enc1:" in dump  # the encrypted values are there...
    assert CANARY not in dump  # ...and the plain text is not

    client_redis = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client_redis.scan_iter(count=1000))
    for key in keys:
        kind = client_redis.type(key)
        value = client_redis.dump(key) or b""
        assert CANARY.encode() not in key + value, (key, kind)
    assert CANARY not in caplog.text
    with capsys.disabled():
        print(
            f"\ncanary: {len(dump)} bytes of dump, {len(keys)} Redis keys, "
            f"{len(caplog.records)} log records searched; not found"
        )


@pytest.mark.django_db
def test_keys_rotate_and_old_rows_move_to_the_new_key(client, alice, bob, couple, settings):
    write_everything(client, alice, bob, couple)
    secret = generate_totp_secret()
    TOTP.activate(alice, secret)
    RecoveryCodes.activate(alice)
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = "bmV3LWtleS1mb3Itcm90YXRpb24tdGVzdHMtMDEyMzQ="
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert CheckIn.objects.get().private_note == f"{CANARY} private"  # old rows still read
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can now go
    assert CheckIn.objects.get().private_note == f"{CANARY} private"
    assert ReviewAnswer.objects.get().went_well == CANARY
    # Two-factor secrets moved too: Alice's authenticator app and recovery codes still work.
    totp = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP)
    assert TOTP(totp).validate_code(code_for(secret))
    codes = Authenticator.objects.get(user=alice, type=Authenticator.Type.RECOVERY_CODES)
    assert RecoveryCodes(codes).get_unused_codes()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT private_note FROM {CheckIn._meta.db_table}")  # noqa: S608
        stored = cursor.fetchone()[0]
    assert stored.startswith(crypto.PREFIX)
    assert CANARY not in stored
