"""Rows for every table that `manage.py demo` leaves empty, written by the app's own services.

The upgrade test runs this inside the previous release, after its `manage.py demo`, as
`manage.py shell -c "import runpy; runpy.run_path('<this file>')['seed']()"`. It takes the
release's own copy of this file when the release has one (written against that release's
code), else this one. tests/upgrade/test_seed.py checks that with the current code every
table ends up with rows, so the copy each release carries fills that release's tables.

Text with accents, other scripts and emoji goes in on purpose: the upgrade compares values
byte for byte, and encoding mistakes show up there first.
"""

import datetime as dt
from importlib import import_module

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from checkins import services as checkins
from checkins.models import Rhythm
from intimacy.accounts import services as accounts
from intimacy.accounts.models import Couple, Invite, Membership, User
from intimacy.nudges import schedule as nudge_schedule
from intimacy.nudges import sending as nudge_sending
from intimacy.nudges import services as nudges
from intimacy.nudges.models import Nudge, NudgeRule
from prompts import services as prompts
from prompts.models import Depth, Prompt, PromptSet

DOMAIN = "upgrade.example.org"
# Throwaway accounts in a throwaway database.
PASSWORD = "upgrade-seed-password"


def person(name: str, **extra: object) -> User:
    user = User.objects.create_user(
        f"{name.lower()}@{DOMAIN}", PASSWORD, display_name=name, **extra
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def partners(couple: Couple) -> tuple[User, User]:
    first, second = (
        m.user
        for m in Membership.objects.filter(couple=couple).select_related("user").order_by("slot")
    )
    return first, second


def seed() -> None:
    """Needs two paired demo couples (`manage.py demo --couples 2` or more) and the prompt
    library (`manage.py loadprompts`)."""
    now = timezone.now()
    first, second = Couple.objects.filter(status=Couple.Status.ACTIVE).order_by("pk")[:2]
    ada, bea = partners(first)

    # Staff, a coach with two-factor authentication, groups, permissions and the admin's log.
    staff = person("Sasha", is_staff=True, time_zone="Europe/Berlin")
    coach = person("Dana", is_coach=True, time_zone="America/Chicago")
    for user in (staff, coach):
        TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(coach)
    moderators = Group.objects.create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(codename__in=["change_prompt", "view_user"])
    )
    staff.groups.add(moderators)
    staff.user_permissions.add(Permission.objects.get(codename="change_promptset"))
    archived = Prompt.objects.order_by("pk").first()
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Prompt),
        object_id=str(archived.pk),
        object_repr=str(archived)[:200],
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Status"]}}]',
    )

    # Couples made through invites: one pending with its invite open, one paired then ended,
    # and an address not confirmed yet.
    remy = person("Rémy", time_zone="Europe/Paris")
    accounts.couple_create(user=remy)
    unconfirmed = EmailAddress.objects.create(user=remy, email=f"remy.new@{DOMAIN}")
    EmailConfirmation.create(unconfirmed)
    pia, quinn = person("Pia", time_zone="Asia/Tokyo"), person("Quinn", time_zone="UTC")
    ended = accounts.couple_create(user=pia)
    accounts.couple_join(invite=Invite.objects.get(couple=ended), user=quinn)
    accounts.couple_end(couple=ended)

    # A coach the first couple linked, what the coach saw, and a link the second withdrew.
    link = accounts.coach_link_accept(link=accounts.coach_invite(couple=first), coach=coach)
    accounts.coach_scope_set(link=link, share_engagement=True, share_reviews=True)
    accounts.coach_access_record(link=link, what="engagement")
    accounts.coach_link_revoke(link=accounts.coach_invite(couple=second))

    # Prompts: a coach's set offered and accepted, a library set followed, today's prompt,
    # one done and one saved.
    own = prompts.set_create(
        author=coach,
        title="Slow evenings ✨",
        description="Für ruhige Abende: 話してみよう.",
        audience="Couples with young children",
        visibility=PromptSet.Visibility.PRIVATE,
    )
    prompts.prompt_save(
        author=coach,
        prompt=None,
        text="What made you smile today? 😊",
        kind="question",
        layer="emotional",
        depth=Depth.LIGHT,
        minutes=5,
        tags=["evening"],
        into=own,
    )
    prompts.set_publish(prompt_set=own, publish=True)
    offer = prompts.set_offer(prompt_set=own, couple=first, coach=coach)
    prompts.set_offer_answer(offer=offer, accept=True)
    library = PromptSet.objects.filter(author=None).order_by("pk")
    prompts.set_follow(couple=second, prompt_set=library[1])
    for couple, by in ((first, ada), (second, partners(second)[0])):
        prompts.daily_prompt(couple=couple, day=by.local_today(), max_depth=lambda: Depth.DEEP)
    shipped = Prompt.objects.filter(author=None).order_by("pk")
    prompts.prompt_mark(couple=first, prompt=shipped[3], state="done", by=ada)
    prompts.prompt_mark(couple=first, prompt=shipped[4], state="saved", by=bea)

    # The weekly review: a week moved, topics parked (one talked about), a draft answer,
    # and a calendar feed.
    rhythm = Rhythm.objects.get(couple=first)
    next_week = rhythm.week_start() + dt.timedelta(weeks=1)
    moved = rhythm.regular_start(next_week) + dt.timedelta(days=1, hours=2)
    checkins.review_move(couple=first, week_start=next_week, starts_at=moved)
    checkins.topic_park(couple=first, author=ada, text="Ça va ? Les vacances 🌧 — 夏休み")
    talked = checkins.topic_park(couple=first, author=bea, text="Who calls the plumber?")
    checkins.topic_talked(topic=talked, talked=True)
    this_week = checkins.review_for_week(couple=first, week_start=rhythm.week_start())
    checkins.answer_save(
        review=this_week,
        author=ada,
        fields={"went_well": "Sunday pancakes 🥞", "felt_emotional": 4, "wished_emotional": 5},
        submit=False,
    )
    checkins.calendar_feed_reset(user=ada)

    # Nudges: everyone's schedule, one partner's own preferences, a round sent, one opened.
    nudge_schedule.partners_adopt(now=now)
    nudges.preferences_save(
        user=bea,
        by_email=True,
        in_app=True,
        quiet_start=dt.time(22, 30),
        quiet_end=dt.time(7),
        daily_cap=2,
        paused_until=None,
        rules={},
    )
    NudgeRule.objects.filter(user__in=[ada, bea], habit="morning_checkin").update(
        enabled=True, next_due_at=now
    )
    nudge_schedule.rules_dispatch(now=now, enqueue=lambda ids: None)
    pending = list(Nudge.objects.filter(state=Nudge.State.PENDING).values_list("pk", flat=True))
    nudge_sending.nudges_send(ids=pending, now=now)
    opened = Nudge.objects.filter(state=Nudge.State.SENT).order_by("pk").first()
    if opened is not None:
        nudges.nudge_open(nudge=opened)

    # A signed-in session.
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session["_auth_user_id"] = str(ada.pk)
    session.create()


if __name__ == "__main__":
    seed()
