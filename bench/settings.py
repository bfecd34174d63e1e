"""The benchmark's settings: production settings, with mail counted instead of sent."""

from intimacy.settings.base import *  # noqa: F403

EMAIL_BACKEND = "bench.mail.CountingBackend"
