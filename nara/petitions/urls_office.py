from django.urls import path  # noqa: F401

app_name = "office_petitions"
urlpatterns: list = []
