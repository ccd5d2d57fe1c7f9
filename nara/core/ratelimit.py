"""Fixed-window rate limits in the cache. Limits are settings (NARA_RATE_LIMITS);
NARA_RATE_LIMITS=off in the environment switches them off for load tests."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, key: str) -> bool:
    """Count one attempt for (scope, key). True if it is within the limit."""
    if not settings.NARA_RATE_LIMITS_ENABLED:
        return True
    limit, window = settings.NARA_RATE_LIMITS[scope]
    bucket = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    cache_key = f"rl:{digest}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    return count <= limit
