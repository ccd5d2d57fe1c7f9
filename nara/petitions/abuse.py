"""Rate limits on signing, for the web form and the API alike. Limits are settings
(NARA_RATE_LIMITS); NARA_RATE_LIMITS=off switches them off for a load test."""

from django.conf import settings

from nara.core.ratelimit import client_ip, hit_all

from .emails import domain_of


def sign_allowed(request, petition_id: int, email: str = "") -> bool:
    """Count one signing attempt: per client address (a burst and an hourly limit) and, on the
    e-mail path, per e-mail domain and petition (the big providers are exempt). False: 429."""
    ip = client_ip(request)
    limits = [("petition_sign_burst", ip), ("petition_sign_ip", ip)]
    if email:
        domain = domain_of(email)
        if domain not in settings.NARA_BIG_MAIL_PROVIDERS:
            limits.append(("petition_sign_domain", f"{petition_id}:{domain}"))
    return hit_all(*limits)
