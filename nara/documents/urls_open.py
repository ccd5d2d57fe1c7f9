"""/open/documents/: published documents for everyone (원문정보공개)."""

from django.urls import path

from . import views_open

app_name = "open_documents"
urlpatterns = [
    path("", views_open.document_list, name="list"),
    path("feed/", views_open.document_feed, name="feed"),
    path("export/", views_open.document_export, name="export"),
    path("<str:reg_no>/", views_open.document_detail, name="detail"),
    path("<str:reg_no>/pdf/", views_open.document_pdf, name="pdf"),
]
