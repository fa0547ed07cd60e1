"""Who may not be emailed at all, and the marketing guard.

An address under ``.invalid`` (RFC 2606: no mailbox can exist there) is never sent to, whatever
the email: SoloOps gives one to a customer known only by another platform's id
(``customers.invalid``) and to an erased customer (``erased.invalid``). ``email_send`` asks
just before it contacts the mail server — the one place every email, transactional,
marketing, support reply or owner notice, goes through — so no caller, retry or resend can
reach such a customer.

The marketing guard: a check the marketing app (a higher layer) hands down at start-up, asked
about every marketing email (``Kind.marketing``) just before it is transmitted. A send the guard
refuses (the address is on the suppression list, or its owner gave no consent) gives up without
contacting the mail server, so no caller, retry or resend can get a marketing email past it.
Transactional email (orders, payments, shipping) is never asked about."""

from collections.abc import Callable

from soloops.emails.kinds import KINDS

# (to, template, subject_type) -> why the email may not go out, or "" when it may
Guard = Callable[[str, str, str], str]

_guards: list[Guard] = []

RESERVED_TLD = ".invalid"


def undeliverable_reason(*, to: str) -> str:
    """Why no email may ever go to ``to`` ("" when it may)."""
    domain = to.strip().lower().rpartition("@")[2].rstrip(".")
    if domain == RESERVED_TLD[1:] or domain.endswith(RESERVED_TLD):
        return (
            f"{to} is a reserved .invalid address: the customer has no email address (known "
            "only by an external id, or erased)"
        )
    return ""


def marketing_guard_add(guard: Guard) -> None:
    """Register a check for marketing email (idempotent)."""
    if guard not in _guards:
        _guards.append(guard)


def marketing_block_reason(*, to: str, template: str, subject_type: str) -> str:
    """Why this email may not go out ("" when it may); always "" for transactional email."""
    kind = KINDS.get(template)
    if kind is None or not kind.marketing:
        return ""
    for guard in _guards:
        reason = guard(to, template, subject_type)
        if reason:
            return reason
    return ""
