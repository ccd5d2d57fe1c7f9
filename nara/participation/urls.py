from django.urls import path

from . import views

app_name = "participation"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<slug:slug>/", views.process_detail, name="process"),
    path("follow/<str:label>/<int:pk>/", views.follow, name="follow"),
    path("me/", views.me, name="me"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
