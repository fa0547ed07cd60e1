"""run_once_per_event on MySQL/MariaDB (no partial indexes there): see soloops.mysql. Its
condition is "trigger_event is not NULL", which a plain unique index keeps there."""

from django.db import migrations

from soloops.mysql import unique_index


class Migration(migrations.Migration):
    atomic = False  # DDL on MySQL cannot roll back; on the others this does nothing
    dependencies = [("automation", "0007_run_error_details")]

    operations = [
        unique_index(
            table="automation_flowrun",
            name="run_once_per_event_my",
            columns=["flow_id", "trigger_event_id"],
        )
    ]
