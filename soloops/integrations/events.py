"""Event types the integrations app emits.

Imports: ``import.completed`` when an import has written its rows (subject: the import job),
``import.failed`` when it wrote nothing (bad rows in an all-or-nothing import, or a file that
cannot be read). A dry run (preview) emits nothing: it changes nothing.
"""

from soloops.events.catalogue import EventType, Payload, declare


class ImportCompleted(Payload):
    entity: str
    filename: str
    create: int
    update: int
    unchanged: int
    rejected: int


class ImportFailed(Payload):
    entity: str
    filename: str
    reason: str


EVENTS = declare(
    EventType(
        "import.completed",
        ImportCompleted,
        "an import file was written (rejected: the bad rows skipped)",
        "integrations.importjob",
    ),
    EventType(
        "import.failed",
        ImportFailed,
        "an import wrote nothing (bad rows, or an unreadable file)",
        "integrations.importjob",
    ),
)
