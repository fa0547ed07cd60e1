"""How an event reads on an object's timeline: a short sentence, and who or what did it.

Events carry their actor as (kind, id, label): a person (username), an API token ("user ·
token name"), a flow run ("flow name · run 12", linked to the run's page) or the system.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from soloops.automation.selectors import flow_display_name
from soloops.customers.selectors import CONSENT_SOURCES, RFM_SEGMENTS
from soloops.customers.services import is_placeholder
from soloops.formatting import money_display
from soloops.orders.selectors import ORDER_CHANNELS, flow_reason_text, review_reasons
from soloops.support.selectors import INTENT_LABELS


@dataclass(frozen=True)
class Entry:
    event: object  # an automation Event
    summary: str
    actor_kind: str  # "user", "token", "flow_run", "system"
    actor_kind_label: str
    actor_name: str
    actor_href: str  # "" unless the actor has a page (a flow run)


def run_href(run_id: str) -> str:
    """The page of a flow run (``dashboard:run``), or its path if that page is not wired."""
    try:
        return reverse("dashboard:run", args=[int(run_id)])
    except (NoReverseMatch, ValueError):
        return f"/runs/{run_id}/" if str(run_id).isdigit() else ""


# The parts of SoloOps that act on their own, by the label their events record
# (``Actor.system("storefront")``); a label not listed here is shown as recorded.
SYSTEM_ACTORS = {
    "system": lambda: _("SoloOps"),
    "storefront": lambda: _("the storefront"),
    "payments": lambda: _("payments"),
    "emails": lambda: _("emails"),
    "scheduler": lambda: _("the scheduler"),
    "demo": lambda: _("demo data"),
    "dry run": lambda: _("a dry run"),
    "support": lambda: _("customer service"),
    "mail": lambda: _("incoming mail"),
    "mailbox": lambda: _("the mailbox"),
    "import": lambda: _("imports"),
    "monitoring": lambda: _("monitoring"),
    "segments": lambda: _("customer segments"),
    "webhooks": lambda: _("outbound webhooks"),
}
# Labels with a variable part: "flow reorder-low-stock", "soloops flow", "scheduler host-1".
SYSTEM_ACTOR_PREFIXES = {
    "soloops ": lambda rest: _("command line (soloops %(command)s)") % {"command": rest},
    "flow ": lambda rest: _("flow %(key)s") % {"key": rest},
    "webhook ": lambda rest: _("webhook of flow %(key)s") % {"key": rest},
    "scheduler ": lambda rest: _("the scheduler (%(name)s)") % {"name": rest},
    "channel ": lambda rest: _("sales channel %(name)s") % {"name": rest},
}


def system_actor_label(label: str) -> str:
    """Who a system actor is, in the reader's language."""
    known = SYSTEM_ACTORS.get(label or "system")
    if known:
        return known()
    for prefix, describe in SYSTEM_ACTOR_PREFIXES.items():
        if label.startswith(prefix):
            return describe(label.removeprefix(prefix))
    return label


def flow_run_label(label: str, run_id: str) -> str:
    """ "<flow name> · run 12" (as recorded) with the flow's name in the reader's language."""
    name, separator, number = label.rpartition(" · run ")
    if not separator:
        return label or _("run %(id)s") % {"id": run_id}
    return _("%(flow)s · run %(id)s") % {"flow": flow_display_name(name), "id": number}


def actor_name(kind: str, label: str, actor_id: str = "") -> str:
    """Who did it, in a few words in the reader's language (a person's or token's name as is)."""
    if kind == "flow_run":
        return flow_run_label(label, actor_id)
    if kind == "system":
        return system_actor_label(label)
    return label or kind


def _actor(event) -> tuple[str, str, str]:
    kind, label = event.actor_kind, event.actor_label
    if kind == "user":
        return _("Person"), label, ""
    if kind == "token":
        return _("API token"), label, ""
    if kind == "flow_run":
        return _("Flow run"), flow_run_label(label, event.actor_id), run_href(event.actor_id)
    return _("System"), system_actor_label(label), ""


CHANNELS = dict(ORDER_CHANNELS)  # lazy labels: read in the reader's language


def _money(payload: dict, key: str = "amount") -> str:
    return money_display(payload.get(key), payload.get("currency", ""))


STATUS_WORDS = {
    "placed": lambda: _("placed"),
    "on_hold": lambda: _("on hold"),
    "accepted": lambda: _("accepted"),
    "rejected": lambda: _("rejected"),
    "paid": lambda: _("paid"),
    "fulfilling": lambda: _("fulfilling"),
    "shipped": lambda: _("shipped"),
    "delivered": lambda: _("delivered"),
    "completed": lambda: _("completed"),
    "cancelled": lambda: _("cancelled"),
}


def status_word(status: str) -> str:
    word = STATUS_WORDS.get(status)
    return word() if word else status


def _order(event) -> str:
    p = event.payload
    status = event.type.split(".", 1)[1]
    if status == "placed":
        lines = p.get("lines") or []
        return _("Order placed (%(channel)s): %(count)d line(s), %(total)s, by %(email)s") % {
            "channel": CHANNELS.get(p.get("channel", ""), p.get("channel", "")),
            "count": len(lines),
            "total": _money(p, "total"),
            "email": p.get("email", ""),
        }
    if "review" in p:  # intake's decision
        review = p.get("review") or {}
        text = _("Automatic review: %(outcome)s, risk score %(score)s") % {
            "outcome": status_word(status),
            "score": review.get("score", 0),
        }
        reasons = "; ".join(r["text"] for r in review_reasons(review))
        return f"{text} — {reasons}" if reasons else text
    text = _("Order %(status)s (was %(previous)s)") % {
        "status": status_word(status),
        "previous": status_word(p.get("from", "")),
    }
    extra = flow_reason_text(p.get("reason") or "") or p.get("payment") or ""
    return f"{text}: {extra}" if extra else text


def _payment(event) -> str:
    p = event.payload
    what = event.type.split(".", 1)[1]
    values = {
        "amount": _money(p),
        "provider": p.get("provider", ""),
        "reason": p.get("reason", ""),
        "due": _money(p, "refund_due"),
    }
    texts = {
        "authorized": _("Payment of %(amount)s authorized (%(provider)s)"),
        "captured": _("Payment of %(amount)s captured (%(provider)s)"),
        "failed": _("Payment of %(amount)s failed (%(provider)s): %(reason)s"),
        "refunded": _("Refunded %(amount)s: %(reason)s"),
        "refund_failed": _("Refund of %(amount)s failed: %(reason)s"),
        "refund_due": _("%(due)s is due back to the customer"),
    }
    return texts[what] % values if what in texts else event.type


def _shipment(event) -> str:
    p = event.payload
    what = event.type.split(".", 1)[1]
    values = {
        "number": p.get("number", ""),
        "carrier": p.get("carrier_name") or p.get("carrier", ""),
        "tracking": p.get("tracking_number") or "-",
        "reason": p.get("reason", ""),
    }
    texts = {
        "created": _("Shipment %(number)s created (%(carrier)s, tracking %(tracking)s)"),
        "label_created": _("Shipment %(number)s: label created"),
        "shipped": _("Shipment %(number)s shipped (%(carrier)s, tracking %(tracking)s)"),
        "delivered": _("Shipment %(number)s delivered"),
        "cancelled": _("Shipment %(number)s cancelled %(reason)s"),
    }
    return texts[what] % values if what in texts else event.type


def _email(event) -> str:
    p = event.payload
    what = event.type.split(".", 1)[1]
    values = {
        "template": p.get("template", ""),
        "to": str(INTENT_LABELS.get(p.get("to", ""), p.get("to", ""))),
        "error": p.get("error", ""),
    }
    texts = {
        "queued": _("Email %(template)s queued to %(to)s"),
        "sent": _("Email %(template)s sent to %(to)s"),
        "failed": _("Email %(template)s to %(to)s failed, will retry: %(error)s"),
        "gave_up": _("Email %(template)s to %(to)s gave up: %(error)s"),
    }
    return texts[what] % values if what in texts else event.type


def _conversation(event) -> str:
    p = event.payload
    what = event.type.split(".", 1)[1]
    if what == "created" and p.get("external_id") and is_placeholder(p.get("email", "")):
        # Known only by another platform's id: its reserved address means nothing to a person.
        return _("Customer with id %(id)s created") % {"id": p["external_id"]}
    values = {
        "email": p.get("email", ""),
        "by": p.get("by", ""),
        "order": p.get("order_number"),
        "intent": str(INTENT_LABELS.get(p.get("intent", ""), p.get("intent", ""))),
        "confidence": p.get("confidence") or 0,
        "reason": p.get("reason", ""),
        "to": str(INTENT_LABELS.get(p.get("to", ""), p.get("to", ""))),
        "rating": p.get("rating", ""),
    }
    texts = {
        "opened": _("Conversation started by %(email)s"),
        "received": _("Message from the customer (%(intent)s, %(confidence).2f)"),
        "replied": _("Reply emailed by %(by)s"),
        "auto_replied": _("Answered by SoloOps (%(intent)s, %(confidence).2f)"),
        "escalated": _("Handed to the owner: %(reason)s"),
        "relabelled": _("Intent corrected to %(to)s"),
        "rated": _("The customer rated an answer: %(rating)s"),
        "closed": _("Conversation closed"),
    }
    return texts[what] % values if what in texts else event.type


CONSENT_SOURCE_LABELS = dict(CONSENT_SOURCES)  # lazy labels: read in the reader's language
SEGMENT_LABELS = dict(RFM_SEGMENTS)


def _customer(event) -> str:
    p = event.payload
    what = event.type.split(".", 1)[1]
    if what == "consent_changed":
        source = CONSENT_SOURCE_LABELS.get(p.get("source", ""), p.get("source", ""))
        if p.get("consent"):
            return _("Opted in to marketing email (%(source)s)") % {"source": source}
        return _("Opted out of marketing email (%(source)s)") % {"source": source}
    if what == "segment_changed":
        return _("Segment: %(from)s → %(to)s") % {
            "from": SEGMENT_LABELS.get(p.get("from", ""), "—"),
            "to": SEGMENT_LABELS.get(p.get("to", ""), "—"),
        }
    if what == "created" and p.get("external_id") and is_placeholder(p.get("email", "")):
        # Known only by another platform's id: its reserved address means nothing to a person.
        return _("Customer with id %(id)s created") % {"id": p["external_id"]}
    values = {
        "email": p.get("email", ""),
        "name": p.get("name", ""),
        "tag": p.get("tag", ""),
        "fields": ", ".join(sorted(p.get("changes") or {})),
        "merged": p.get("merged_email", ""),
    }
    texts = {
        "created": _("Customer %(email)s created"),
        "tagged": _("Tagged %(tag)s"),
        "untagged": _("Tag %(tag)s removed"),
        "updated": _("Contact details changed: %(fields)s"),
        "note_added": _("Note kept"),
        "merged": _("%(merged)s was merged into this customer"),
        "exported": _("Everything about the customer was exported"),
        "erased": _("Personal data erased on request"),
    }
    return texts[what] % values if what in texts else event.type


SUMMARIES = {
    "order": _order,
    "payment": _payment,
    "shipment": _shipment,
    "email": _email,
    "conversation": _conversation,
    "customer": _customer,
}


def summary(event) -> str:
    """One line a person reads; the event type itself for types without a sentence."""
    describe = SUMMARIES.get(event.type.split(".", 1)[0])
    try:
        return describe(event).strip() if describe else event.type
    except (AttributeError, KeyError, TypeError, ValueError):  # an old or odd payload
        return event.type


def entries(events) -> list[Entry]:
    result = []
    for event in events:
        kind_label, name, href = _actor(event)
        result.append(
            Entry(
                event=event,
                summary=summary(event),
                actor_kind=event.actor_kind,
                actor_kind_label=kind_label,
                actor_name=name,
                actor_href=href,
            )
        )
    return result
