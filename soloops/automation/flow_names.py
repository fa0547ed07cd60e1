"""The shipped flows' names in the reader's language.

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
    }
)


def flow_display_name(name: str) -> str:
    """``name`` in the active language if it is a shipped flow's name, else as written."""
    return gettext(name) if name in DEFAULT_FLOW_NAMES else name
