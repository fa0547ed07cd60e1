from django.db import models


class Hit(models.Model):
    """One committed run of a probe handler for an event."""

    event_id = models.BigIntegerField()
    handler = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Effect(models.Model):
    """An outside effect as its receiver records it: once per idempotency key, however many
    times the sender calls (the way a payment provider or a webhook receiver dedupes)."""

    key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=50)
    run_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
