"""“Have Your Say” contributions, mounted at /participation/contributions/."""

from django.urls import path

from . import views

app_name = "contributions"
urlpatterns = [
    path("guidelines/", views.guidelines, name="guidelines"),
    path("mine/", views.mine, name="mine"),
    path("p/<slug:slug>/", views.process_contributions, name="process"),
    path("p/<slug:slug>/new/", views.new, name="new"),
    path("draft/<uuid:token>/", views.edit, name="edit"),
    path("draft/<uuid:token>/preview/", views.preview, name="preview"),
    path("draft/<uuid:token>/submit/", views.submit, name="submit"),
    path("draft/<uuid:token>/discard/", views.discard, name="discard"),
    path(
        "draft/<uuid:token>/picture/<str:key>/<str:variant>/",
        views.draft_image,
        name="draft_image",
    ),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("picture/<int:pk>/<str:variant>/", views.image, name="image"),
]
