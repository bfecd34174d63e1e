import os

from celery import Celery

from intimacy.lib import filesystem_broker

# `make run`'s broker without Redis (settings: CELERY_BROKER_URL).
filesystem_broker.register()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intimacy.settings.base")

app = Celery("intimacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
