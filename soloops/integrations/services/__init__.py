"""The integrations app's writes, one module per part (imports.py: imports and exports).

Import the functions from their module (``soloops.integrations.services.imports``); this
package re-exports nothing, so the parts never collide here."""
