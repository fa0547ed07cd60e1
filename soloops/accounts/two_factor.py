"""The second factor's writes (re-exported by ``services``): a TOTP app (RFC 6238: 6 digits,
30 seconds, one step of clock drift allowed) and ten recovery codes, each usable once.

The secret is stored encrypted with a key derived from SECRET_KEY (HKDF): a copy of the
database alone does not give the codes. A code is accepted once: its time step is kept, and
an older or equal step is refused, so a code seen over a shoulder cannot be replayed.
"""

import base64
import hashlib
import secrets

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.accounts.models import TwoFactor, User
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit

RECOVERY_CODES = 10
ISSUER = "SoloOps"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"soloops two-factor")
    return Fernet(base64.urlsafe_b64encode(key.derive(settings.SECRET_KEY.encode())))


def _secret(row: TwoFactor) -> str:
    try:
        return _fernet().decrypt(row.secret.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the app must be set up again
        return ""


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def two_factor_active(*, user: User) -> bool:
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def two_factor_begin(*, user: User) -> tuple[str, str]:
    """A new secret for ``user`` to scan: (secret, otpauth:// URI). Replaces one not yet
    confirmed; refuses while one is active (turn it off first)."""
    if two_factor_active(user=user):
        raise Conflict("two_factor_active", "two-factor is already on", field="code")
    secret = pyotp.random_base32()
    encrypted = _fernet().encrypt(secret.encode()).decode()
    TwoFactor.objects.update_or_create(
        user=user, defaults={"secret": encrypted, "confirmed_at": None, "last_step": 0}
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)
    return secret, uri


def _totp_step(row: TwoFactor, code: str) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), if newer than the
    last one used."""
    secret, code = _secret(row), code.replace(" ", "").strip()
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    totp, now = pyotp.TOTP(secret), timezone.now()
    for drift in (0, -1, 1):
        at = now.timestamp() + drift * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            step = int(at // totp.interval)
            return step if step > row.last_step else None
    return None


def two_factor_confirm(*, user: User, code: str) -> list[str]:
    """Turn two-factor on with a first code from the app; returns the recovery codes, to be
    shown this once (only their hashes are kept)."""
    with transaction.atomic():
        row = TwoFactor.objects.select_for_update().filter(user=user).first()
        if row is None or row.confirmed_at is not None:
            raise Conflict("two_factor_not_started", "set up two-factor first", field="code")
        step = _totp_step(row, code)
        if step is None:
            raise InvalidInput("invalid_code", "that code is not right", field="code")
        codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
        row.confirmed_at, row.last_step = timezone.now(), step
        row.recovery_hashes = [_hash(c) for c in codes]
        row.save(update_fields=["confirmed_at", "last_step", "recovery_hashes", "updated_at"])
        event_emit(
            type="user.two_factor_enabled",
            subject=user,
            payload={"username": user.get_username()},
            actor=Actor.for_user(user),
        )
    return codes


def two_factor_verify(*, user: User, code: str) -> bool:
    """A log-in's second step: a current app code, or an unused recovery code (then spent)."""
    with transaction.atomic():
        row = TwoFactor.objects.select_for_update().filter(user=user).first()
        if row is None or row.confirmed_at is None:
            return False
        step = _totp_step(row, code)
        if step is not None:
            row.last_step = step
            row.save(update_fields=["last_step", "updated_at"])
            return True
        hashed = _hash(code)
        if hashed not in row.recovery_hashes:
            return False
        row.recovery_hashes = [h for h in row.recovery_hashes if h != hashed]
        row.save(update_fields=["recovery_hashes", "updated_at"])
        event_emit(
            type="user.recovery_code_used",
            subject=user,
            payload={"username": user.get_username()},
            actor=Actor.for_user(user),
        )
    return True


def two_factor_recovery_left(*, user: User) -> int:
    row = TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()
    return len(row.recovery_hashes) if row else 0


def two_factor_disable(*, user: User, code: str) -> None:
    """Turn two-factor off; it takes a current code (or a recovery code), not only a session."""
    if not two_factor_verify(user=user, code=code):
        raise InvalidInput("invalid_code", "that code is not right", field="code")
    with transaction.atomic():
        TwoFactor.objects.filter(user=user).delete()
        event_emit(
            type="user.two_factor_disabled",
            subject=user,
            payload={"username": user.get_username()},
            actor=Actor.for_user(user),
        )


def two_factor_pending(*, user: User) -> tuple[str, str] | None:
    """(secret, otpauth:// URI) of a set-up not yet confirmed, to show the QR code again."""
    row = TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).first()
    secret = _secret(row) if row else ""
    if not secret:
        return None
    return secret, pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)
