from django.db import models


class Hit(models.Model):
    """One committed run of a probe handler for an event."""

    event_id = models.BigIntegerField()
    handler = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
