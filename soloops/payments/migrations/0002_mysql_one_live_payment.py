"""payment_one_live_per_order on MySQL/MariaDB (no partial indexes there): see soloops.mysql."""

from django.db import migrations

from soloops.mysql import unique_where


class Migration(migrations.Migration):
    atomic = False  # DDL on MySQL cannot roll back; on the others this does nothing
    dependencies = [("payments", "0001_initial")]

    operations = [
        unique_where(
            table="payments_payment",
            name="payment_one_live_per_order_my",
            column="live_order_id",
            expression=(
                "CASE WHEN status IN ('pending', 'authorized', 'captured', 'refunded', "
                "'partially_refunded') THEN order_id END"
            ),
        )
    ]
