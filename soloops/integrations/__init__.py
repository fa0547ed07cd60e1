"""Data in and out: imports and exports, sales channels, outbound webhook subscriptions."""
