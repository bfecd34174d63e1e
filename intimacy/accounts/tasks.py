from celery import shared_task

from .services import invites_expire


@shared_task
def expire_invites() -> int:
    return invites_expire()
