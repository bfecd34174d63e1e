import datetime as dt
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from intimacy.lib.dates import local_date, time_zone_choices
from intimacy.lib.text import as_typed

INVITE_LIFETIME = dt.timedelta(days=7)
# Crockford's base 32 without the letters people misread (I, L, O, U).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: a partner, a coach or staff."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=60)
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")
    is_staff = models.BooleanField(default=False)
    # Granted by staff in the admin: may write prompts and sets, and be invited by couples.
    is_coach = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # In-app nudges not read yet: kept by intimacy.nudges on the row every request loads
    # anyway, so the dashboard shows the count without a query of its own.
    unread_nudges = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return str(self)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_today(self) -> dt.date:
        """Today's date where this person lives."""
        return local_date(self.time_zone)

    def update_profile(self, *, display_name: str, time_zone: str) -> None:
        self.display_name = display_name
        self.time_zone = time_zone
        self.save(update_fields=["display_name", "time_zone"])


class CoupleQuerySet(models.QuerySet["Couple"]):
    def current(self) -> "CoupleQuerySet":
        return self.exclude(status=Couple.Status.ENDED)

    def for_user(self, user: User) -> "CoupleQuerySet":
        """The couples a user belongs to now: the one place that scopes couple lookups."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__is_active=True).current()

    def former_for_user(self, user: User) -> "CoupleQuerySet":
        """The paired couples a user was in that have ended: what their archive reads from."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            memberships__user=user, status=Couple.Status.ENDED, paired_at__isnull=False
        )


class Couple(models.Model):
    """Two partners once paired; one pending partner while an invite is open."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a partner"
        ACTIVE = "active", "Paired"
        ENDED = "ended", "Ended"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    paired_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = CoupleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="couple_ended_has_date",
                condition=~Q(status="ended") | Q(ended_at__isnull=False),
            ),
            models.CheckConstraint(
                name="couple_active_has_paired_date",
                condition=~Q(status="active") | Q(paired_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Couple {self.pk} ({self.status})"

    def names(self) -> str:
        """ "Alice and Bob": the partners in the order they joined (prefetch memberships__user)."""
        members = sorted((m for m in self.memberships.all() if m.is_active), key=lambda m: m.slot)
        return " and ".join(m.user.display_name for m in members)


class Membership(models.Model):
    """A user's place in a couple. Slots 1 and 2 make "at most two partners" a constraint."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    slot = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(name="membership_slot_1_or_2", condition=Q(slot__in=[1, 2])),
            models.UniqueConstraint(fields=["couple", "slot"], name="membership_one_per_slot"),
            models.UniqueConstraint(fields=["couple", "user"], name="membership_once_per_couple"),
            # A user is in at most one active couple; also serves Couple.objects.for_user().
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_active=True), name="membership_one_active_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in couple {self.couple_id}"


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


def new_invite_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def invite_expiry() -> dt.datetime:
    return timezone.now() + INVITE_LIFETIME


class Invite(models.Model):
    """A single-use, expiring, revocable link and short code to join a couple."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        USED = "used", "Used"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="invites")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invites_sent"
    )
    token = models.CharField(max_length=64, unique=True, default=new_invite_token)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_invite_code)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=invite_expiry)
    closed_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            # "A new one replaces the old": at most one open invite per couple.
            models.UniqueConstraint(
                fields=["couple"], condition=Q(status="open"), name="invite_one_open_per_couple"
            ),
        ]
        indexes = [
            # expire_invites(): open invites past their expiry.
            models.Index(
                fields=["expires_at"], condition=Q(status="open"), name="invite_open_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"Invite {self.display_code} ({self.status})"

    @staticmethod
    def normalise_code(raw: str) -> str:
        """Read codes as people type them: any case, spaces or dashes of any kind (the example
        under the field has a non-breaking hyphen), full-width letters, O for 0, I or L for 1."""
        code = as_typed(raw).replace(" ", "").replace("-", "").upper()
        return code.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))

    @staticmethod
    def is_well_formed_code(code: str) -> bool:
        return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    def is_usable(self) -> bool:
        return self.status == self.Status.OPEN and self.expires_at > timezone.now()


class CoachLinkQuerySet(models.QuerySet["CoachLink"]):
    def active(self) -> "CoachLinkQuerySet":
        """Links in force: accepted, not revoked, and the coach still holds the coach role
        (staff may take it away; the couple's data closes to them at once)."""
        return self.filter(status=CoachLink.Status.ACTIVE, coach__is_coach=True)

    def of_coach(self, coach: "User") -> "CoachLinkQuerySet":
        """The couples a coach works with now: the one place that scopes a coach's lookups."""
        return self.active().filter(coach=coach, couple__status=Couple.Status.ACTIVE)


class CoachLink(models.Model):
    """A couple's invitation to a coach, and what the couple chose to share with them."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Linked"
        REVOKED = "revoked", "Revoked"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="coach_links")
    # Empty until a coach accepts the invitation.
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coached_links",
    )
    token = models.CharField(max_length=64, unique=True, default=new_invite_token)
    # The same invitation as a short code the coach can type.
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_invite_code)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    # What the coach may see. Private notes and check-in contents never.
    share_engagement = models.BooleanField(default=False)
    share_reviews = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CoachLinkQuerySet.as_manager()

    # An invitation a coach has not taken up in this time stops working (like a partner's).
    INVITATION_DAYS = 7

    class Meta:
        constraints = [
            # One live link between a couple and a coach.
            models.UniqueConstraint(
                fields=["couple", "coach"],
                condition=Q(status="active"),
                name="coach_link_one_active",
            ),
        ]
        indexes = [
            # A coach's couples: their active links.
            models.Index(fields=["coach"], condition=Q(status="active"), name="coach_link_coach"),
        ]

    def __str__(self) -> str:
        return f"Coach link {self.pk} ({self.status})"

    def invitation_expired(self) -> bool:
        return self.created_at < timezone.now() - dt.timedelta(days=self.INVITATION_DAYS)

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"


class CoachAccess(models.Model):
    """Every time a coach looked at a couple's data: the couple can read this log."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="coach_accesses")
    # The couple keeps its log when the coach deletes their account (shown as a former coach).
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="coach_accesses",
    )
    what = models.CharField(max_length=120)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "coach access record"
        indexes = [
            # The couple's settings page: its latest accesses.
            models.Index(fields=["couple", "-at"], name="coach_access_couple"),
        ]

    def __str__(self) -> str:
        return f"{self.coach} saw {self.what} at {self.at:%Y-%m-%d %H:%M}"
