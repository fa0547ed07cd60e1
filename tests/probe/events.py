from soloops.events.catalogue import AnyPayload, EventType, declare
from tests.probe.handlers import (
    blocking,
    fail,
    record,
    record_again,
    record_connection,
    write_then_fail,
)

HANDLERS = {
    "probe.recorded": [record, record_again],
    "probe.failing": [record, fail],
    "probe.blocking": [blocking],
    "probe.half_written": [record, write_then_fail],
    "probe.connection": [record_connection],
}

EVENTS = declare(
    EventType("probe.*", AnyPayload, "test probes: any payload"),
    EventType("test.*", AnyPayload, "test events: any payload"),
    EventType("order.note", AnyPayload, "tests: an event about an order from some actor"),
)
