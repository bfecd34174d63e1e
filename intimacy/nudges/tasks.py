"""Thin tasks: ids in, a service out. Beat runs the first two every minute.

The top of the package: the schedule's jobs are handed send_nudges.delay as their `enqueue`,
and call it only once their transaction commits."""

from celery import Task, shared_task

from . import schedule, sending


@shared_task
def dispatch_nudges() -> int:
    """The minute's work: new partners' schedules, rhythm changes, the week's focus, then
    every rule that is due."""
    schedule.partners_adopt()
    schedule.reviews_refresh()
    schedule.focus_apply()
    return schedule.rules_dispatch(enqueue=send_nudges.delay)


@shared_task
def sweep_nudges() -> int:
    return schedule.nudges_sweep(enqueue=send_nudges.delay)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def send_nudges(self: Task, ids: list[int]) -> int:
    """Send a batch; what failed goes back to pending and this task retries it later (30 s,
    60 s, 120 s, 240 s); a nudge's fifth failed attempt marks it failed."""
    outcome = sending.nudges_send(ids=ids)
    if outcome.retry:
        raise self.retry(args=[outcome.retry], countdown=30 * 2**self.request.retries)
    return outcome.sent
