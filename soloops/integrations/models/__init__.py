"""The integrations app's tables, one module per part: imports and exports (imports.py),
sales channels (channels.py), outbound webhook subscriptions (webhooks.py), the event stream's
cursor (stream.py)."""

from soloops.integrations.models import channels, imports, stream, webhooks  # noqa: F401
