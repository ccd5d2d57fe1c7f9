"""The WSGI application: Django, with the surge path for signing petitions in front of it
(nara/petitions/surge.py)."""

import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

# Threads of a server process take turns holding Python's lock every 1 ms instead of 5 ms: a
# short page view does not wait behind long requests (a surge) for its turns.
sys.setswitchinterval(0.001)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nara.settings")
django_application = get_wsgi_application()

from nara.petitions.surge import SigningFastPath  # noqa: E402  (needs Django set up)


def with_surge_path(app):
    """`app` with signing by token answered in front of it (nara/petitions/surge.py); `app`
    alone with `NARA_OFF=surgepath`: the same requests go through Django's stack and the API
    view (the A/B benchmarks, bench/README.md)."""
    if "surgepath" in settings.NARA_OFF:
        return app
    return SigningFastPath(app)


application = with_surge_path(django_application)
