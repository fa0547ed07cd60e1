from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("automation", "0003_run_status_index")]

    operations = [
        migrations.AlterField(
            model_name="flowrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("waiting", "Waiting"),
                    ("awaiting_approval", "Awaiting approval"),
                    ("completed", "Completed"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                    ("cancelling", "Cancelling"),
                ],
                default="running",
                max_length=20,
            ),
        ),
    ]
