"""The shipped flows' names and descriptions in the reader's language.

A flow's name is data (the owner may rename it in its document), so it is stored as written.
The default flows' English names are listed here for the translation catalogue; a name the
owner wrote, or changed, is shown exactly as typed.
"""

from django.utils.translation import gettext, gettext_noop

# One per file in ``default_flows/`` (a test checks that none is missing).
DEFAULT_FLOW_NAMES = frozenset(
    {
        gettext_noop("Ask the owner about held orders"),
        gettext_noop("Capture card payments on acceptance"),
        gettext_noop("Create the shipment when an order is paid"),
        gettext_noop("Daily summary for the owner"),
        gettext_noop("Email the customer about a refund"),
        gettext_noop("Email the customer when an order is cancelled"),
        gettext_noop("Email the customer when the order has arrived"),
        gettext_noop("Email the order confirmation"),
        gettext_noop("Email the payment receipt"),
        gettext_noop("Email the tracking link when a parcel ships"),
        gettext_noop("Follow up a week after delivery"),
        gettext_noop("Reorder low stock"),
        gettext_noop("Recompute customer segments nightly"),
        gettext_noop("Recount products bought together nightly"),
        gettext_noop("Drip: cross-sell after delivery"),
        gettext_noop("Drip: ask for a review"),
        gettext_noop("Drip: welcome a new subscriber"),
        gettext_noop("Drip: win back a customer at risk"),
    }
)


DEFAULT_FLOW_DESCRIPTIONS = frozenset(
    {
        gettext_noop(
            "Every night at 3:30, count again which products are bought together (in one "
            "order, and by the same customers) from every order that counts, so cancelled "
            "orders drop out. The product page, the shipping email and the customer page "
            "suggest from it."
        ),
        gettext_noop(
            "Ten days after an order is delivered, suggest what goes with it (recommendations "
            "from what customers bought together), to customers who opted in. Once per order. Off"
            " until you switch it on."
        ),
        gettext_noop(
            "Three days after delivery, ask a customer who opted in to review what they bought. "
            "Once per order. Off until you switch it on."
        ),
        gettext_noop(
            "When a customer opts in to marketing email, send them a welcome, once, in their "
            "language, with recommendations. Off until you switch it on; edit the texts to sound "
            "like your shop."
        ),
        gettext_noop(
            'When a good customer moves into the "at risk" segment (no order for a while), send a'
            " friendly note with recommendations, if they opted in. Once per customer. Off until "
            "you switch it on."
        ),
        gettext_noop(
            "Every night at 3, score every buyer again (recency moves with the calendar) and "
            "move customers between segments; each move is a customer.segment_changed event "
            "that other flows can start from."
        ),
        gettext_noop(
            "When an order is accepted, take the money of its authorized card payments. Bank "
            "transfers and cash on delivery are untouched: the owner marks those paid."
        ),
        gettext_noop(
            "Put everything of a paid order in one shipment, ready to pack (the order becomes"
            ' fulfilling). Change the carrier to "sandbox" to try labels, or to your own '
            "process."
        ),
        gettext_noop(
            "Every morning at 8, email the owner yesterday's orders and revenue and what "
            "waits for them."
        ),
        gettext_noop(
            "When an order is cancelled, tell the customer. The cancellation's reason is not "
            "in the email (it is often internal). Once per order."
        ),
        gettext_noop(
            "When an order is accepted, email the customer its confirmation (lines, totals, "
            "shipping address and a link to the order), in their language. Once per order: an"
            " order held and accepted again is not confirmed twice."
        ),
        gettext_noop(
            "When the last parcel of an order is delivered (the order becomes delivered), "
            "email the customer and ask how it went. Once per order; a single delivered "
            "parcel of an order still on its way sends nothing yet."
        ),
        gettext_noop(
            "When a refund succeeds, email the customer its amount. A partial refund is one "
            "email; each later refund of the same order is another."
        ),
        gettext_noop(
            "When a shipment leaves, email the customer the carrier, the tracking number and "
            "a button to the tracking page (only for an http or https link). An order shipped"
            " in several parcels gets one email per parcel."
        ),
        gettext_noop(
            "When an order is paid, tell the customer the payment was received. Once per order."
        ),
        gettext_noop("Ask the customer how it went, seven days after their order was delivered."),
        gettext_noop(
            "When a SKU falls below its reorder point, draft purchase orders for every SKU "
            "that is short: one per supplier, up to each SKU's target level, each line saying"
            " why. Open orders count as incoming, so a second low-stock event orders nothing "
            "twice. A draft goes to its supplier at once only if every SKU on it has a "
            "reorder policy with auto_send; the others wait for your review. You get an email"
            " whenever something was drafted."
        ),
        gettext_noop(
            "The automatic review holds risky orders (their stock stays reserved). This flow "
            "asks the owner to approve or reject each one; an order nobody decides on within "
            "3 days is rejected. Deciding the order anywhere else (its page, Decisions, the "
            "API) settles the question."
        ),
    }
)


def flow_display_name(name: str) -> str:
    """``name`` in the active language if it is a shipped flow's name, else as written."""
    return gettext(name) if name in DEFAULT_FLOW_NAMES else name


def flow_display_description(text: str) -> str:
    """A flow document's description in the active language if it is a shipped flow's."""
    shown = " ".join(text.split())
    return gettext(shown) if shown in DEFAULT_FLOW_DESCRIPTIONS else text
