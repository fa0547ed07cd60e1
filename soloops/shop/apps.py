from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "soloops.shop"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from django.tasks.signals import task_finished, task_started

        from soloops.shop import task_time

        task_started.connect(task_time.activate_for_task, dispatch_uid="shop-time-zone-start")
        task_finished.connect(task_time.restore_after_task, dispatch_uid="shop-time-zone-end")

        from django.db.backends.signals import connection_created

        from soloops.mysql import server_check_on_connect

        # MySQL/MariaDB: a server too old for SoloOps' promises is refused on first connect.
        connection_created.connect(server_check_on_connect, dispatch_uid="mysql-server-check")
