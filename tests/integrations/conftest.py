"""Import helpers: upload a fixture file (or bytes) and run it through the real services."""

import io
from pathlib import Path

import pytest

from soloops.accounts.actors import Actor
from soloops.integrations.services import import_runs
from soloops.integrations.services import imports as services
from tests.api.conftest import caller  # noqa: F401 (the API tests' callers, by role)

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEM = Actor.system("test")


def upload(name_or_bytes, entity: str = "products", *, filename: str = "", **kw):
    if isinstance(name_or_bytes, bytes):
        data, filename = name_or_bytes, filename or "upload.csv"
    else:
        data, filename = (FIXTURES / name_or_bytes).read_bytes(), filename or name_or_bytes
    return services.import_upload(
        entity=entity, filename=filename, source=io.BytesIO(data), actor=SYSTEM, **kw
    )


def run(job, *, dry_run: bool = False, skip_bad_rows: bool = False):
    return import_runs.import_run_now(
        job=job, dry_run=dry_run, skip_bad_rows=skip_bad_rows, actor=SYSTEM
    )


@pytest.fixture
def catalog_rows(db):
    """How many products, variants and events there are: to show nothing was written."""
    from soloops.automation.models import Event
    from soloops.catalog.models import Product, Variant
    from soloops.customers.models import Customer

    def count():
        return (
            Product.objects.count(),
            Variant.objects.count(),
            Customer.objects.count(),
            Event.objects.count(),
        )

    return count


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, whatever language a console request of an earlier test left
    active in this thread (the messages are asserted word for word)."""
    from django.utils import translation

    with translation.override("en"):
        yield
