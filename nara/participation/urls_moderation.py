"""Participation moderation: /participation/moderation/."""

from django.urls import path

from . import views_moderation as views

app_name = "participation_moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("flagged/", views.flagged, name="flagged"),
    path("decided/", views.decided, name="decided"),
    path("bulk/", views.bulk, name="bulk"),
    path("items/<str:kind>/<int:pk>/", views.item_detail, name="item"),
    path("items/<str:kind>/<int:pk>/decide/", views.decide, name="decide"),
    path("items/<str:kind>/<int:pk>/dismiss-flags/", views.dismiss_flags, name="dismiss_flags"),
    path("report/<str:kind>/<int:pk>/", views.flag, name="flag"),
    path("blocks/", views.blocks, name="blocks"),
    path("accounts/<int:user_id>/block/", views.block, name="block"),
    path("accounts/<int:user_id>/unblock/", views.unblock, name="unblock"),
]
