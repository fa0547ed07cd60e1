"""one_default_location on MySQL/MariaDB (no partial indexes there): see soloops.mysql."""

from django.db import migrations

from soloops.mysql import unique_where


class Migration(migrations.Migration):
    atomic = False  # DDL on MySQL cannot roll back; on the others this does nothing
    dependencies = [("inventory", "0003_movement_variant_idx")]

    operations = [
        unique_where(
            table="inventory_location",
            name="one_default_location_my",
            column="default_marker",
            expression="CASE WHEN is_default THEN 1 END",
        )
    ]
