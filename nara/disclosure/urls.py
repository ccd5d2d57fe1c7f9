from django.urls import path, re_path

from . import views

app_name = "disclosure"

NO = r"(?P<no>[0-9]{4}-[0-9]{6})"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("mine/", views.mine, name="mine"),
    re_path(rf"^{NO}/$", views.detail, name="detail"),
    re_path(rf"^{NO}/files/(?P<file_id>[0-9]{{1,12}})/$", views.file_download, name="file"),
    re_path(rf"^{NO}/withdraw/$", views.withdraw, name="withdraw"),
    re_path(rf"^{NO}/objection/$", views.objection, name="objection"),
]
