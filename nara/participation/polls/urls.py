from django.urls import re_path

from . import views

app_name = "polls"

SLUG = r"(?P<slug>[-a-zA-Z0-9_]{1,80})"
PK = r"(?P<pk>[0-9]{1,12})"

urlpatterns = [
    re_path(rf"^{SLUG}/$", views.poll_list, name="list"),
    re_path(rf"^{SLUG}/{PK}/$", views.poll_detail, name="detail"),
    re_path(rf"^{SLUG}/{PK}/results/$", views.poll_results, name="results"),
    re_path(rf"^{SLUG}/{PK}/results\.csv$", views.results_csv, name="results_csv"),
    re_path(rf"^{SLUG}/{PK}/responses\.csv$", views.responses_csv, name="responses_csv"),
]
