"""The WSGI application: Django, with the surge path for signing petitions in front of it
(nara/petitions/surge.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nara.settings")
django_application = get_wsgi_application()

from nara.petitions.surge import SigningFastPath  # noqa: E402  (needs Django set up)

application = SigningFastPath(django_application)
