"""A partner sets a nudge in the browser; the pages pass axe-core on desktop and phone."""

import pytest
from django.urls import reverse

from intimacy.nudges.models import NudgeRule
from intimacy.nudges.schedule import partners_adopt
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


@pytest.mark.parametrize("width", [1280, 390])
def test_a_held_nudge_and_a_review_in_my_quiet_hours_are_explained(
    live_server, new_context, couple, bob, width
):
    import datetime as dt

    from django.utils import timezone

    from checkins.services import rhythm_set
    from intimacy.nudges.models import Nudge

    partners_adopt()
    # 09:00 in Paris is 03:00 (or 04:00) in New York: inside Bob's quiet hours (22:00-07:00).
    rhythm_set(
        couple=couple, weekday=6, local_time=dt.time(9), duration_minutes=45,
        time_zone="Europe/Paris",
    )  # fmt: skip
    due = timezone.now() - dt.timedelta(hours=2)
    Nudge.objects.create(
        user=bob, habit="weekly_review", local_date=timezone.localdate(due, bob.zone),
        due_at=due, state="held", held="quiet",
    )  # fmt: skip
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, live_server.url, bob.email, PASSWORD)
    page.goto(live_server.url + reverse("nudges:preferences"))
    assert page.get_by_role("heading", name="Held back lately").is_visible()
    assert page.get_by_text("your time, inside your quiet hours").is_visible()
    check_page(page, f"nudge preferences held {width}")
    page.goto(live_server.url + reverse("checkins:rhythm"))
    assert page.get_by_text("inside your quiet hours").is_visible()
    check_page(page, f"rhythm quiet hours {width}")
    page.goto(live_server.url + reverse("checkins:review_home"))
    assert page.get_by_text("inside your quiet hours").is_visible()
    check_page(page, f"review quiet hours {width}")
