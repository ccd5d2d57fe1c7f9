from django.urls import path, re_path

from . import views

app_name = "proposals"

SLUG = r"(?P<slug>[-a-zA-Z0-9_]{1,80})"
PK = r"(?P<pk>[0-9]{1,12})"

urlpatterns = [
    path("office/answers/", views.answers_due, name="answers_due"),
    re_path(rf"^{SLUG}/$", views.proposal_list, name="list"),
    re_path(rf"^{SLUG}/new/$", views.proposal_submit, name="submit"),
    re_path(rf"^{SLUG}/{PK}/$", views.proposal_detail, name="detail"),
    re_path(rf"^{SLUG}/{PK}/support/$", views.proposal_support, name="support"),
    re_path(rf"^{SLUG}/{PK}/comment/$", views.proposal_comment, name="comment"),
    re_path(rf"^{SLUG}/{PK}/answer/$", views.proposal_answer, name="answer"),
]
