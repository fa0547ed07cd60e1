from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")  # configures the shop: settings, users, flows
    STAFF = "staff", _("Staff")  # runs the shop day to day: acts on orders, stock, decisions
    VIEWER = "viewer", _("Viewer")  # sees everything, changes nothing


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    language = models.CharField(_("language"), max_length=16, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Scope(models.TextChoices):
    READ = "read", _("Read")  # GET endpoints only
    WRITE = "write", _("Read and write")  # every endpoint the user's role allows


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of its secret is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The public part of the token, used to find the row without scanning hashes.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset({"read", "write"}) if self.scope == Scope.WRITE else frozenset({"read"})

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginFailure(models.Model):
    """One failed log-in of a username from a client address (an IPv6 /64 counts as one):
    enough of them close in time lock that pair out for a while (``services.login_check``)."""

    username = models.CharField(max_length=150)  # as typed, lower-cased; may name no user
    client = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["username", "client", "created_at"], name="login_failure_idx")
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.client}"


class TwoFactor(models.Model):
    """A user's TOTP second factor (RFC 6238, 30-second codes of 6 digits) and recovery codes.
    The secret is stored encrypted with a key derived from SECRET_KEY; recovery codes only as
    hashes. Active once confirmed with a first code."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.TextField()  # encrypted (Fernet)
    confirmed_at = models.DateTimeField(null=True, blank=True)  # null: being set up
    last_step = models.BigIntegerField(default=0)  # the newest time step used: a code works once
    recovery_hashes = models.JSONField(default=list)  # sha256 of the unused recovery codes
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"two-factor of {self.user_id}"
