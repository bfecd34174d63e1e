from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from intimacy.accounts.models import Couple


class Layer(models.TextChoices):
    """The four layers of intimacy that prompts and weekly ratings use."""

    EMOTIONAL = "emotional", "Emotional"
    PHYSICAL = "physical", "Physical"
    INTELLECTUAL = "intellectual", "Intellectual"
    DIGITAL = "digital", "Digital"


LAYER_HINTS = {
    Layer.EMOTIONAL: "feeling heard, understood and cared for",
    Layer.PHYSICAL: "touch, affection, closeness of bodies",
    Layer.INTELLECTUAL: "ideas, curiosity, talking things through",
    Layer.DIGITAL: "how you share devices, screens and time online",
}


class Kind(models.TextChoices):
    QUESTION = "question", "Question"
    ACTIVITY = "activity", "Activity"
    REFLECTION = "reflection", "Reflection"
    REPAIR = "repair", "Repair"


class Depth(models.TextChoices):
    LIGHT = "light", "Light"
    MEDIUM = "medium", "Medium"
    DEEP = "deep", "Deep"


DEPTH_ORDER = {Depth.LIGHT: 0, Depth.MEDIUM: 1, Depth.DEEP: 2}


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class PromptQuerySet(models.QuerySet["Prompt"]):
    def published(self) -> "PromptQuerySet":
        return self.filter(status=Status.PUBLISHED)

    def in_library(self) -> "PromptQuerySet":
        """Published prompts anyone signed in may browse: the shipped library's, and those in
        a coach's published public set. Private and unlisted sets keep theirs to themselves."""
        public_sets = PromptSetItem.objects.filter(
            prompt=models.OuterRef("pk"),
            prompt_set__status=Status.PUBLISHED,
            prompt_set__visibility="public",
        )
        return self.published().filter(Q(author__isnull=True) | models.Exists(public_sets))

    def search(self, words: str) -> "PromptQuerySet":
        """Full-text search on PostgreSQL (index prompt_search); elsewhere, every word
        appears somewhere in the text."""
        if connection.vendor != "postgresql":
            found = Q()
            for word in words.split()[:10]:
                found &= Q(text__icontains=word)
            return self.filter(found)
        query = SearchQuery(words, config="english", search_type="websearch")
        return self.annotate(found=SearchVector("text", config="english")).filter(found=query)


class Prompt(models.Model):
    """A conversation question, activity, reflection or repair exercise."""

    text = models.TextField(max_length=600)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    layer = models.CharField(max_length=12, choices=Layer.choices)
    depth = models.CharField(max_length=8, choices=Depth.choices)
    minutes = models.PositiveSmallIntegerField(default=10)
    tags = models.JSONField(default=list, blank=True)
    # None for the library that ships with the app; otherwise the coach who wrote it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="prompts",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The shipped library's own name for the prompt, so loading it again updates in place.
    library_key = models.CharField(max_length=80, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PromptQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(name="prompt_known_kind", condition=Q(kind__in=Kind.values)),
            models.CheckConstraint(name="prompt_known_layer", condition=Q(layer__in=Layer.values)),
            models.CheckConstraint(name="prompt_known_depth", condition=Q(depth__in=Depth.values)),
            models.CheckConstraint(
                name="prompt_minutes_sane", condition=Q(minutes__gte=1, minutes__lte=180)
            ),
        ]
        indexes = [
            # The library page's filters: published prompts by layer, kind and depth.
            models.Index(fields=["status", "layer", "kind", "depth"], name="prompt_library"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class PromptSetQuerySet(models.QuerySet["PromptSet"]):
    def in_library(self) -> "PromptSetQuerySet":
        """Published sets anyone may browse (unlisted and private ones need their link)."""
        return self.filter(status=Status.PUBLISHED, visibility=PromptSet.Visibility.PUBLIC)


class PromptSet(models.Model):
    """An ordered, curated list of prompts for an audience."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public library"
        UNLISTED = "unlisted", "Unlisted (by link)"
        PRIVATE = "private", "Private to my couples"

    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(max_length=1000, blank=True)
    audience = models.CharField(max_length=120, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="prompt_sets",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    last_published_at = models.DateTimeField(null=True, blank=True)
    # The set couples get when they follow none.
    is_default = models.BooleanField(default=False)
    prompts = models.ManyToManyField(Prompt, through="PromptSetItem", related_name="sets")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PromptSetQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="prompt_set_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PromptSetItem(models.Model):
    """A prompt's place in a set."""

    # No index of its own: prompt_set_item_position leads with it.
    prompt_set = models.ForeignKey(
        PromptSet, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt_set", "position"], name="prompt_set_item_position"
            ),
            models.UniqueConstraint(fields=["prompt_set", "prompt"], name="prompt_set_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_set} #{self.position}"


class FollowedSet(models.Model):
    """A set a couple follows: today's prompt comes from these."""

    # No index of its own: followed_set_once leads with it.
    couple = models.ForeignKey(
        Couple, on_delete=models.CASCADE, related_name="followed_sets", db_index=False
    )
    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="followers")
    followed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "prompt_set"], name="followed_set_once"),
        ]

    def __str__(self) -> str:
        return f"{self.couple} follows {self.prompt_set}"


class PromptLog(models.Model):
    """What a couple did with a prompt: done, skipped or saved for later."""

    class State(models.TextChoices):
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        SAVED = "saved", "Saved for later"

    # No index of its own: prompt_log_once leads with it.
    couple = models.ForeignKey(
        Couple, on_delete=models.CASCADE, related_name="prompt_log", db_index=False
    )
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One state per prompt per couple; saving then doing it moves it on.
            models.UniqueConstraint(fields=["couple", "prompt"], name="prompt_log_once"),
        ]

    def __str__(self) -> str:
        return f"{self.couple}: {self.prompt} ({self.state})"


class DailyPrompt(models.Model):
    """Today's prompt of a couple: chosen once a day, the same for both partners."""

    # No index of its own: daily_prompt_once leads with it.
    couple = models.ForeignKey(
        Couple, on_delete=models.CASCADE, related_name="daily_prompts", db_index=False
    )
    day = models.DateField()
    # None when every prompt of the couple's sets has been met: asked once, not on every page.
    prompt = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "day"], name="daily_prompt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.couple} on {self.day}: {self.prompt}"


class SetOffer(models.Model):
    """A coach suggests one of their sets to a couple they coach."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="set_offers")
    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="offers")
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="set_offers"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One open offer of a set to a couple.
            models.UniqueConstraint(
                fields=["couple", "prompt_set"],
                condition=Q(status="offered"),
                name="set_offer_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_set} offered to {self.couple}"
