from tests.probe.handlers import blocking, fail, record, record_again

HANDLERS = {
    "probe.recorded": [record, record_again],
    "probe.failing": [record, fail],
    "probe.blocking": [blocking],
}
