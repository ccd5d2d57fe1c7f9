from django.urls import path

from . import views

app_name = "budgets"
urlpatterns = [
    path("", views.budget_list, name="list"),
    path("<int:pk>/", views.budget_detail, name="detail"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("<int:pk>/ballot/", views.ballot, name="ballot"),
    path("<int:pk>/ballot/done/", views.ballot_done, name="ballot_done"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/assess/", views.assessment_list, name="assessment"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/assess/", views.assess, name="assess"),
    path("projects/<int:pk>/english/", views.english, name="english"),
]
