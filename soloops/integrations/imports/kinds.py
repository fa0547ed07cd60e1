"""Every kind of thing a file can hold, by the name the CLI, API and console use."""

from soloops.integrations.imports.entities import Entity
from soloops.integrations.imports.entities_catalog import PRODUCTS
from soloops.integrations.imports.entities_customers import CUSTOMERS
from soloops.integrations.imports.entities_history import ORDERS
from soloops.integrations.imports.entities_reports import ORDER_LINES, STOCK_LEDGER
from soloops.integrations.imports.entities_supply import STOCK, SUPPLIER_ITEMS, SUPPLIERS

ENTITIES: dict[str, Entity] = {
    e.name: e for e in (PRODUCTS, CUSTOMERS, STOCK, SUPPLIERS, SUPPLIER_ITEMS, ORDERS)
}
# Kinds only the owner imports: whom the shop buys from, and at which cost (the same rule as
# the API's and console's supplier pages, soloops.accounts.permissions "supplier.change").
OWNER_ACTION = {"suppliers": "supplier.change", "supplier_items": "supplier.change"}
# Kinds written whole by an import but not (yet) exported.
NOT_EXPORTED = {"orders"}
# Kinds that are exported only (records the shop writes itself).
EXPORT_ONLY: dict[str, Entity] = {e.name: e for e in (ORDER_LINES, STOCK_LEDGER)}
