import pytest
from django.core.cache import cache

from soloops.shop.selectors import CACHE_KEY


@pytest.fixture(autouse=True)
def _fresh_profile_cache():
    """The profile is cached; a test's saved profile rolls back with its database, so it must
    not outlive the test in the cache either."""
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)
