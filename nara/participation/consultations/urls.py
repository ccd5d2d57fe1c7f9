"""Consultations on drafts (입법예고), mounted at /participation/consultations/."""

from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/comment/", views.comment_new, name="comment_new"),
    path("<int:pk>/comments/", views.comments, name="comments"),
    path("<int:pk>/comments/<int:comment_id>/", views.comment, name="comment"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/report/write/", views.report_write, name="report_write"),
    path("<int:pk>/report/themes/new/", views.theme_edit, name="theme_new"),
    path("<int:pk>/report/themes/<int:theme_id>/", views.theme_edit, name="theme_edit"),
    path("<int:pk>/report/themes/<int:theme_id>/delete/", views.theme_delete, name="theme_delete"),
    path("<int:pk>/report/publish/", views.report_publish, name="report_publish"),
]
