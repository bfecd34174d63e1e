"""A partner sets a nudge in the browser; the pages pass axe-core on desktop and phone."""

import pytest
from django.urls import reverse

from intimacy.nudges.models import NudgeRule
from intimacy.nudges.services import partners_adopt
from tests.factories import PASSWORD

from .conftest import check_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_partner_chooses_a_habit_and_a_time(live_server, new_context, couple, alice, width):
    partners_adopt()
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(live_server.url + reverse("nudges:preferences"))
    check_page(page, f"nudge preferences {width}")
    page.get_by_role("checkbox", name="A slow hug").check()
    page.get_by_label("Time for \u201cA slow hug\u201d").fill("06:45")
    page.get_by_role("button", name="Save my nudges").click()
    page.wait_for_load_state()
    # 06:45 is inside the default quiet hours: refused, next to the field, nothing lost.
    assert page.get_by_text("inside your quiet hours").is_visible()
    check_page(page, f"nudge preferences error {width}")
    assert page.get_by_role("checkbox", name="A slow hug").is_checked()
    page.get_by_label("Time for \u201cA slow hug\u201d").fill("07:45")
    page.get_by_role("button", name="Save my nudges").click()
    page.get_by_text("Your nudges are saved.").wait_for()
    hug = NudgeRule.objects.get(user=alice, habit="slow_hug")
    assert hug.enabled
    assert hug.local_time.strftime("%H:%M") == "07:45"
    page.goto(live_server.url + reverse("nudges:inbox"))
    check_page(page, f"nudge inbox {width}")
