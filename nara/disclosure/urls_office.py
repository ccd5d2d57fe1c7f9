"""The officials' pages: /office/disclosure/."""

from django.urls import path, re_path

from . import views_office
from .urls import NO

app_name = "disclosure_office"

urlpatterns = [
    path("", views_office.inbox, name="inbox"),
    re_path(rf"^{NO}/$", views_office.detail, name="detail"),
    *[
        re_path(
            rf"^{NO}/{name.replace('_', '-')}/$",
            views_office.act,
            {"action": name},
            name=name,
        )
        for name in views_office.ACTIONS
    ],
]
