"""/open/audit/: the audit log's chain head and the hashes of each event, for everyone."""

from django.urls import path

from . import views_audit

app_name = "audit"
urlpatterns = [
    path("", views_audit.chain, name="chain"),
    path("head.json", views_audit.head_json, name="head_json"),
    path("<int:seq>.json", views_audit.link_json, name="link_json"),
]
