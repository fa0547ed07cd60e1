"""Who may do what: one rule per action, read by the console and the API alike.

Roles rank viewer < staff < owner. Reading needs a viewer; any change needs staff, except the
actions below, which the owner keeps (configuring the shop: suppliers, how stock is reordered,
flows, email templates) or which any viewer may use because they change nothing (a dry run).
An API operation names its action with ``auth=api_auth("supplier.change")``; a console view with
``console_view(role_for("supplier.change"))``.
"""

from soloops.accounts.actors import Actor

VIEWER, STAFF, OWNER = "viewer", "staff", "owner"
RANK = {VIEWER: 0, STAFF: 1, OWNER: 2}

ROLE_FOR = {
    # suppliers and what they sell us: whom the shop buys from, at which cost
    "supplier.change": OWNER,
    # how a SKU is reordered, including sending purchase orders without review (auto_send)
    "reorder_policy.set": OWNER,
    # automation: which flows run and what they do
    "flow.change": OWNER,
    # what every customer email says
    "email_template.change": OWNER,
    # outbound webhooks: which outside URLs receive the shop's events
    "webhook.change": OWNER,
    # sales channels: their secrets, API credentials and SKU mapping
    "channel.change": OWNER,
    # marketing: mailing a campaign to customers (or a test of it)
    "campaign.send": OWNER,
    # a customer's personal data: export it, erase it, merge two records of one person
    "customer.privacy": OWNER,
    # what a flow version would do with a past event: computed, never written
    "flow.dry_run": VIEWER,
    # the default rules, named so the table is complete
    "read": VIEWER,
    "act": STAFF,
}


def role_for(action: str) -> str:
    return ROLE_FOR[action]


def has_role(actor: Actor | None, role: str) -> bool:
    return actor is not None and RANK.get(actor.role, -1) >= RANK[role]


def may(actor: Actor | None, action: str) -> bool:
    return has_role(actor, ROLE_FOR[action])
