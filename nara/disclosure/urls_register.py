"""The public register of disclosure requests: /open/requests/."""

from django.urls import re_path

from . import views
from .urls import NO

app_name = "disclosure_register"

urlpatterns = [
    re_path(r"^$", views.register, name="list"),
    re_path(rf"^{NO}/$", views.register_entry, name="detail"),
]
