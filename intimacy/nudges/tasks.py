"""Thin tasks: ids in, a service out. Beat runs the first three every minute."""

from celery import shared_task

from . import services


@shared_task
def dispatch_nudges() -> int:
    """The minute's work: new partners' schedules, the week's focus, then what is due."""
    services.partners_adopt()
    services.reviews_refresh()
    services.focus_apply()
    return services.rules_dispatch()


@shared_task
def sweep_nudges() -> int:
    return services.nudges_sweep()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def send_nudges(self, ids: list[int]) -> int:  # noqa: ANN001
    """Send a batch; what failed to send goes back to pending and this task retries it
    later (30 s, 60 s, 120 s, 240 s); the fifth failed attempt marks a nudge failed."""
    outcome = services.nudges_send(ids=ids)
    if outcome.retry:
        raise self.retry(args=[outcome.retry], countdown=30 * 2**self.request.retries)
    return outcome.sent
