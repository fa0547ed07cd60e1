"""What a customer's message names, found by pattern: order numbers, email addresses, tracking
numbers, amounts and dates (English and Chinese ways of writing them). Shown beside the message
so the owner sees at a glance what it is about; the order number also links the order."""

import re

PATTERNS = {
    "order_numbers": re.compile(
        r"(?<![0-9A-Za-z])SO-\d{4}-[0-9A-Z]{8}(?![0-9A-Za-z])", re.IGNORECASE
    ),
    "emails": re.compile(r"[A-Za-z0-9.+_-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    # UPU S10 (JD014600003828 is DHL's), UPS 1Z…, and long digit runs carriers use.
    "tracking_numbers": re.compile(
        r"(?<![0-9A-Za-z])(?:[A-Z]{2}\d{9}[A-Z]{2}|1Z[0-9A-Z]{16}|JD\d{12,18}|\d{12,22})"
        r"(?![0-9A-Za-z])"
    ),
    "amounts": re.compile(
        r"[€$£¥]\s?\d+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?\s?(?:EUR|USD|GBP|CNY|RMB|元|欧元|美元)"
    ),
    "dates": re.compile(
        r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\d{1,2}月\d{1,2}[日号]|"
        r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b",
        re.IGNORECASE,
    ),
}


def entities_in(text: str) -> dict[str, list[str]]:
    """Each kind found in ``text``, in order, without repeats; kinds not found are left out."""
    found = {}
    for kind, pattern in PATTERNS.items():
        values = list(dict.fromkeys(m.strip() for m in pattern.findall(text or "")))
        if kind == "order_numbers":
            values = list(dict.fromkeys(v.upper() for v in values))
        if values:
            found[kind] = values[:20]
    return found
