import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intimacy.settings.base")

app = Celery("intimacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
