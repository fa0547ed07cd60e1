"""The emails app's part of a customer (soloops.customers.registry), registered at start-up:
the emails sent to them in a privacy export, and their address and the mail bodies (which
quote names and addresses) blanked on an erasure. The send rows stay, so the log still counts."""

from soloops.customers.registry import CustomerData, customer_data_add
from soloops.emails.models import EmailSend


def _export(customer_id: int, email: str) -> list[dict]:
    return [
        {
            "to": s.to,
            "template": s.template,
            "language": s.language,
            "subject": s.subject_line,
            "status": s.status,
            "created_at": s.created_at.isoformat(),
        }
        for s in EmailSend.objects.filter(to=email).order_by("id")
    ]


def _erase(customer_id: int, email: str) -> int:
    return EmailSend.objects.filter(to=email).update(
        to=f"erased-{customer_id}@erased.invalid",
        subject_line="",
        body_text="",
        body_html="",
        context={},
        headers={},
        attachments=[],
    )


def register() -> None:
    customer_data_add(CustomerData(name="emails", erase=_erase, export=_export))
