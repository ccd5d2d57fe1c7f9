"""The moderators' pages: /moderation/."""

from django.urls import path

from . import views_moderation as views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("open/", views.open_list, name="open_list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/images/<int:image_id>/", views.image, name="image"),
    path("<int:pk>/open/", views.open_petition, name="open"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/signatures/", views.signatures, name="signatures"),
]
