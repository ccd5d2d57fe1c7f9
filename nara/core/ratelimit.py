"""Fixed-window rate limits in the cache. Limits are settings (NARA_RATE_LIMITS);
NARA_RATE_LIMITS=off in the environment switches them off for load tests."""

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def client_ip(request) -> str:
    """The client's address. Behind NARA_TRUSTED_PROXY_COUNT = N proxies it is the N-th entry
    of X-Forwarded-For from the right (each of our proxies appends one entry; anything further
    left was sent by the client and may be forged). With N = 0 the header is ignored."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = getattr(settings, "NARA_TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [e for e in entries if e]
    if len(entries) < proxies:
        return remote
    return _valid_ip(entries[-proxies]) or remote


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
