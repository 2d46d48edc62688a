import pytest
from django.core.cache import cache

from masthead.members import throttle


@pytest.fixture(autouse=True)
def _empty_cache():
    # Throttle counters and cached pages live in the local-memory cache, which outlives a test.
    cache.clear()
    throttle.clear()
    yield
    cache.clear()
    throttle.clear()
