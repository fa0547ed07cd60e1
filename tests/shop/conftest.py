import pytest
from django.core.cache import cache

from soloops.process_cache import forget_all_here


@pytest.fixture(autouse=True)
def _fresh_profile_cache():
    """The profile is kept per process; a test's saved profile rolls back with its database, so
    it must not outlive the test in memory or the cache either."""
    cache.clear()
    forget_all_here()
    yield
    cache.clear()
    forget_all_here()
