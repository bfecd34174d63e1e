"""The admin speaks English: model names in the plural are real plurals."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

OURS = {"accounts", "checkins", "prompts", "nudges"}


def test_every_model_of_ours_has_a_real_plural():
    # Django adds an "s": wrong after s, x, z, ch, sh, and after a consonant and y.
    naive = re.compile(r"(s|x|z|ch|sh|[^aeiou]y)s$")
    wrong = {
        m.__name__: str(m._meta.verbose_name_plural)
        for m in apps.get_models()
        if m._meta.app_label in OURS and naive.search(str(m._meta.verbose_name_plural))
    }
    assert wrong == {}


def test_every_model_of_ours_is_named_in_words():
    # "check in" from CheckIn: the class name split, not the word people use.
    names = {
        m.__name__: str(m._meta.verbose_name)
        for m in apps.get_models()
        if m._meta.app_label in OURS
    }
    assert names["CheckIn"] == "check-in"


@pytest.mark.django_db
def test_admin_index_names_the_coach_access_records(client, staff):
    client.force_login(staff)
    staff.is_superuser = True
    staff.save()
    html = client.get(reverse("admin:index")).content.decode()
    assert "Coach access records" in html
    assert "accesss" not in html
