"""The marketing guard: a check the marketing app (a higher layer) hands down at start-up, asked
about every marketing email (``Kind.marketing``) just before it is transmitted. A send the guard
refuses (the address is on the suppression list, or its owner gave no consent) gives up without
contacting the mail server, so no caller, retry or resend can get a marketing email past it.
Transactional email (orders, payments, shipping) is never asked about."""

from collections.abc import Callable

from soloops.emails.kinds import KINDS

# (to, template, subject_type) -> why the email may not go out, or "" when it may
Guard = Callable[[str, str, str], str]

_guards: list[Guard] = []


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
