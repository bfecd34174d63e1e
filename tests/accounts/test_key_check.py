"""`migrate` (and `manage.py check --database default`) stops when the encryption keys cannot
read what is stored: a wrong key would otherwise serve errors behind green health checks."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from checkins.services import checkin_submit
from intimacy.accounts.checks import encryption_keys_read_what_is_stored

pytestmark = pytest.mark.django_db


def write_a_note(user) -> None:
    checkin_submit(
        author=user,
        weather="sunny",
        energy=3,
        needs=[],
        tags=[],
        note_to_partner="",
        private_note="only mine",
        disclosure="all",
    )


def test_the_right_keys_pass(alice):
    write_a_note(alice)
    assert encryption_keys_read_what_is_stored(None, databases=["default"]) == []


def test_a_new_key_put_first_still_reads_older_text(alice, settings):
    write_a_note(alice)
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert encryption_keys_read_what_is_stored(None, databases=["default"]) == []


def test_a_missing_key_stops_migrate_with_a_clear_message(alice, settings):
    write_a_note(alice)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    errors = encryption_keys_read_what_is_stored(None, databases=["default"])
    assert [e.id for e in errors] == ["intimacy.E001"]
    assert "checkins.CheckIn.private_note" in errors[0].msg
    with pytest.raises(SystemCheckError, match="cannot be decrypted with FIELD_ENCRYPTION_KEYS"):
        call_command("migrate", verbosity=0, skip_checks=False)


def test_nothing_stored_yet_passes(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert encryption_keys_read_what_is_stored(None, databases=["default"]) == []
