from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "intimacy.accounts"
    label = "accounts"
    verbose_name = "Accounts and couples"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the encryption-key check
