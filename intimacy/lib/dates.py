"""Time zones: the list people choose from, and local dates for a zone."""

import datetime as dt
import zoneinfo
from functools import cache

from django.utils import timezone


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone a person could live in, sorted, with a readable label."""
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def local_date(zone: str, at: dt.datetime | None = None) -> dt.date:
    """The calendar date in `zone` at the instant `at` (now by default)."""
    return timezone.localtime(at or timezone.now(), zoneinfo.ZoneInfo(zone)).date()


def day_end(zone: str, day: dt.date) -> dt.datetime:
    """The instant `day` ends in `zone` (its next midnight there), correct across DST."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zoneinfo.ZoneInfo(zone))
    # Round-trip through UTC so a midnight that does not exist moves on by the gap.
    return midnight.astimezone(dt.UTC)
