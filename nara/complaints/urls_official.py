"""The officials' back office: /office/."""

from django.urls import path

from . import views_official as views

app_name = "office"

ACTION_URLS = [
    ("claim", "claim"),
    ("assign", "assign"),
    ("route", "route"),
    ("transfer", "transfer"),
    ("extend", "extend"),
    ("request-info", "request_info"),
    ("notes", "note"),
    ("answer", "answer"),
    ("answer/draft", "draft"),
    ("approve", "approve"),
    ("return", "return"),
]

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("filters/", views.filter_save, name="filter_save"),
    path("filters/<int:filter_id>/delete/", views.filter_delete, name="filter_delete"),
    path("complaints/<str:receipt_no>/", views.detail, name="detail"),
    *[
        path(
            f"complaints/<str:receipt_no>/{segment}/",
            views.act,
            {"action": action},
            name=action,
        )
        for segment, action in ACTION_URLS
    ],
]
