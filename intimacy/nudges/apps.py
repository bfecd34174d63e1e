from django.apps import AppConfig


class NudgesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intimacy.nudges"
    label = "nudges"
    verbose_name = "Nudges"
