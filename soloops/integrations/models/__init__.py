"""The integrations app's tables, one module per part: imports and exports (imports.py),
sales channels (channels.py), outbound webhook subscriptions (webhooks.py)."""

from soloops.integrations.models import channels, imports, webhooks  # noqa: F401
