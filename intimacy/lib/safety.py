"""The quick exit: every page has a control that leaves for a neutral site at once."""

from django.conf import settings
from django.http import HttpRequest


def quick_exit(request: HttpRequest) -> dict[str, str]:
    return {"QUICK_EXIT_URL": settings.QUICK_EXIT_URL}
