"""The agency's petition pages: /office/petitions/."""

from django.urls import path

from . import views_office as views

app_name = "office_petitions"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/return/", views.return_answer, name="return"),
    path("<int:pk>/extend/", views.extend, name="extend"),
]
