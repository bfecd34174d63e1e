"""Couples and invites: everything that writes several rows or checks a rule."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import CoachAccess, CoachLink, Couple, Invite, Membership, User


class CoupleError(Exception):
    """A couple action that the rules do not allow; the message is shown to the user."""


class InviteError(Exception):
    """Why an invite cannot be used. `reason` picks the page; the message is shown."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def current_couple(*, user: User) -> Couple | None:
    return Couple.objects.for_user(user).first()


def current_pair(*, user: User) -> tuple[Couple | None, User | None]:
    """The user's current couple and partner (None while pending) in one query."""
    memberships = list(
        Membership.objects.filter(
            is_active=True, couple__memberships__user=user, couple__memberships__is_active=True
        ).select_related("couple", "user")
    )
    couple = memberships[0].couple if memberships else None
    partner = next((m.user for m in memberships if m.user_id != user.pk), None)
    return couple, partner


# How every page, email and export names someone the viewer once shared a couple with, after
# that couple ended (or after that person deleted their account).
FORMER_PARTNER = "your former partner"


def partner_name(*, person_id: int | None, partner: User | None) -> str:
    """The name to show for `person_id`, someone the viewer shares or shared a couple with:
    the current partner's own name, else "your former partner" (capitalise where needed)."""
    if partner is not None and person_id == partner.pk:
        return partner.display_name
    return FORMER_PARTNER


def partner_of(*, couple: Couple, user: User) -> User | None:
    membership = (
        couple.memberships.filter(is_active=True).exclude(user=user).select_related("user").first()
    )
    return membership.user if membership else None


@transaction.atomic
def couple_create(*, user: User) -> Couple:
    """Start a couple with `user` as its pending partner and open an invite."""
    if Couple.objects.for_user(user).exists():
        raise CoupleError("You are already in a couple.")
    couple = Couple.objects.create()
    try:
        with transaction.atomic():
            Membership.objects.create(couple=couple, user=user, slot=1)
    except IntegrityError as exc:  # A double submit raced us to the same rule.
        raise CoupleError("You are already in a couple.") from exc
    invite_create(couple=couple, by=user)
    return couple


@transaction.atomic
def invite_create(*, couple: Couple, by: User) -> Invite:
    """Open a new invite for a pending couple, replacing any open one."""
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if couple.status != Couple.Status.PENDING:
        raise CoupleError("This couple already has two partners.")
    now = timezone.now()
    couple.invites.filter(status=Invite.Status.OPEN).update(
        status=Invite.Status.REVOKED, closed_at=now
    )
    return Invite.objects.create(couple=couple, created_by=by)


def invite_revoke(*, invite: Invite) -> bool:
    """Withdraw an open invite; False when it was already used, expired or withdrawn."""
    return bool(
        Invite.objects.filter(pk=invite.pk, status=Invite.Status.OPEN).update(
            status=Invite.Status.REVOKED, closed_at=timezone.now()
        )
    )


def invite_check(*, invite: Invite, user: User) -> None:
    """Raise InviteError when `user` cannot join through `invite` now."""
    if user.is_authenticated and invite.couple.memberships.filter(user=user).exists():
        if invite.status == Invite.Status.OPEN:
            raise InviteError("own", "This is your own invite. Send it to your partner.")
        raise InviteError("member", "You are already in the couple this invite was for.")
    if invite.status == Invite.Status.USED:
        raise InviteError("used", "This invite has already been used.")
    if invite.status == Invite.Status.REVOKED:
        raise InviteError("revoked", "This invite was withdrawn by the person who sent it.")
    if invite.status == Invite.Status.EXPIRED or not invite.is_usable():
        raise InviteError("expired", "This invite has expired. Invites last seven days.")
    if not user.is_authenticated:
        return
    mine = current_couple(user=user)
    if mine is not None and mine.status == Couple.Status.ACTIVE:
        raise InviteError(
            "paired", "You are already paired. End your current couple before joining another."
        )


@transaction.atomic
def couple_join(*, invite: Invite, user: User) -> Couple:
    """Pair `user` with the partner who sent `invite`; cancels the user's own pending couple."""
    invite = Invite.objects.select_for_update().select_related("couple").get(pk=invite.pk)
    couple = Couple.objects.select_for_update().get(pk=invite.couple_id)
    invite_check(invite=invite, user=user)
    if couple.status != Couple.Status.PENDING:
        raise InviteError("used", "This invite has already been used.")
    mine = current_couple(user=user)
    if mine is not None:
        couple_end(couple=mine)
    now = timezone.now()
    Membership.objects.create(couple=couple, user=user, slot=2, joined_at=now)
    couple.status = Couple.Status.ACTIVE
    couple.paired_at = now
    couple.save(update_fields=["status", "paired_at"])
    invite.status = Invite.Status.USED
    invite.closed_at = now
    invite.used_by = user
    invite.save(update_fields=["status", "closed_at", "used_by"])
    return couple


@transaction.atomic
def couple_end(*, couple: Couple) -> None:
    """End a couple (either partner alone may). Each partner keeps their own entries."""
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if couple.status == Couple.Status.ENDED:
        return
    now = timezone.now()
    couple.status = Couple.Status.ENDED
    couple.ended_at = now
    couple.save(update_fields=["status", "ended_at"])
    couple.memberships.update(is_active=False)
    couple.invites.filter(status=Invite.Status.OPEN).update(
        status=Invite.Status.REVOKED, closed_at=now
    )
    # Nothing of an ended couple is a coach's to see, nor to take up later.
    couple.coach_links.exclude(status=CoachLink.Status.REVOKED).update(
        status=CoachLink.Status.REVOKED, revoked_at=now
    )


def invites_expire() -> int:
    """Close open invites past their expiry. Safe to run twice or on many workers at once."""
    return Invite.objects.filter(status=Invite.Status.OPEN, expires_at__lte=timezone.now()).update(
        status=Invite.Status.EXPIRED, closed_at=timezone.now()
    )


# Coach links


@transaction.atomic
def coach_invite(*, couple: Couple) -> CoachLink:
    """A new invitation link for a coach; an earlier unanswered one stops working."""
    couple.coach_links.filter(status=CoachLink.Status.INVITED).update(
        status=CoachLink.Status.REVOKED, revoked_at=timezone.now()
    )
    return CoachLink.objects.create(couple=couple)


@transaction.atomic
def coach_link_accept(*, link: CoachLink, coach: User) -> CoachLink:
    link = CoachLink.objects.select_for_update().select_related("couple").get(pk=link.pk)
    if not coach.is_coach:
        raise CoupleError("This invitation is for a coach. Ask the couple who sent it.")
    if link.status != CoachLink.Status.INVITED or link.couple.status == Couple.Status.ENDED:
        raise CoupleError("This invitation has been used or withdrawn.")
    if link.invitation_expired():
        raise CoupleError("This invitation has expired. Ask the couple for a new one.")
    if link.couple.memberships.filter(user=coach).exists():
        raise CoupleError("You can't coach your own couple.")
    if CoachLink.objects.active().filter(couple=link.couple, coach=coach).exists():
        raise CoupleError("You are already this couple's coach.")
    link.coach = coach
    link.status = CoachLink.Status.ACTIVE
    link.accepted_at = timezone.now()
    link.save(update_fields=["coach", "status", "accepted_at"])
    return link


def coach_link_revoke(*, link: CoachLink) -> None:
    """Either partner ends a coach's access (or withdraws an invitation), at once."""
    CoachLink.objects.filter(pk=link.pk).exclude(status=CoachLink.Status.REVOKED).update(
        status=CoachLink.Status.REVOKED, revoked_at=timezone.now()
    )


def coach_scope_set(*, link: CoachLink, share_engagement: bool, share_reviews: bool) -> None:
    link.share_engagement = share_engagement
    link.share_reviews = share_reviews
    link.save(update_fields=["share_engagement", "share_reviews"])


def coach_access_record(*, link: CoachLink, what: str) -> None:
    """Write down a coach's look at a couple's data, for the couple to read."""
    CoachAccess.objects.create(couple_id=link.couple_id, coach_id=link.coach_id, what=what)
