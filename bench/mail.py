"""An email backend that takes every message, sends nothing, and counts them in Redis (one
INCRBY per connection), so the benchmark can tell messages handed over from nudges marked.
Like Django's dummy backend it does not build the MIME message; a real one would."""

import redis
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

KEY = "bench:messages"


class CountingBackend(BaseEmailBackend):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.count = 0

    def send_messages(self, email_messages: list) -> int:
        self.count += len(email_messages)
        return len(email_messages)

    def close(self) -> None:
        if self.count:
            redis.Redis.from_url(settings.REDIS_URL).incrby(KEY, self.count)
            self.count = 0
