from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "intimacy.accounts"
    label = "accounts"
    verbose_name = "Accounts and couples"
