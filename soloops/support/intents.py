"""What a customer's message asks for: the intents the classifier tells apart, and which of them
are informational (an answer from the order's data may go out on its own) and which change
money or goods (they always become a decision for the owner)."""

from django.utils.translation import gettext_lazy as _

ORDER_STATUS = "order_status"
SHIPPING = "shipping"
CHANGE_ADDRESS = "change_address"
CANCEL_ORDER = "cancel_order"
RETURN_REFUND = "return_refund"
PAYMENT_PROBLEM = "payment_problem"
INVOICE = "invoice"
PRODUCT_QUESTION = "product_question"
COMPLAINT = "complaint"
THANKS = "thanks"
OTHER = "other"

LABELS = {
    ORDER_STATUS: _("Order status / where is my order"),
    SHIPPING: _("Delivery time and shipping cost"),
    CHANGE_ADDRESS: _("Change address"),
    CANCEL_ORDER: _("Cancel order"),
    RETURN_REFUND: _("Return or refund"),
    PAYMENT_PROBLEM: _("Payment problem"),
    INVOICE: _("Invoice request"),
    PRODUCT_QUESTION: _("Product question"),
    COMPLAINT: _("Complaint"),
    THANKS: _("Thanks / closing"),
    OTHER: _("Other"),
}
INTENTS = tuple(LABELS)

# Answerable from the order's own data without the owner.
INFORMATIONAL = frozenset({ORDER_STATUS, SHIPPING, INVOICE})
# Would change money or goods: never acted on automatically.
CHANGES = frozenset({CHANGE_ADDRESS, CANCEL_ORDER, RETURN_REFUND})
