from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soloops.accounts"
    verbose_name = "Accounts"
