from django.urls import path, re_path

from . import views, views_create

app_name = "petitions"

# Numbers and tokens are bounded here, so odd URLs never reach a view (no NUL bytes, no numbers
# too large for the database).
PK = r"(?P<pk>[0-9]{1,12})"
TOKEN = r"(?P<token>[A-Za-z0-9_-]{1,100})"

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("mine/", views_create.mine, name="mine"),
    path("new/", views_create.create, name="create"),
    path("new/similar/", views_create.create_similar, name="create_similar"),
    path("new/preview/", views_create.create_preview, name="create_preview"),
    path("new/submit/", views_create.create_submit, name="create_submit"),
    path("new/discard/", views_create.create_discard, name="create_discard"),
    re_path(r"^new/images/(?P<key>[0-9a-f]{16})/$", views_create.draft_image, name="draft_image"),
    re_path(rf"^confirm/{TOKEN}/$", views.confirm, name="confirm"),
    re_path(rf"^s/{TOKEN}/$", views_create.share, name="share"),
    re_path(rf"^s/{TOKEN}/support/$", views_create.support, name="support"),
    re_path(
        rf"^s/{TOKEN}/images/(?P<image_id>[0-9]{{1,12}})/$",
        views_create.share_image,
        name="share_image",
    ),
    re_path(rf"^{PK}/$", views.detail, name="detail"),
    re_path(rf"^{PK}/count$", views.count, name="count"),
    re_path(rf"^{PK}/regions\.csv$", views.regions_csv, name="regions_csv"),
    re_path(rf"^{PK}/sign/$", views.sign, name="sign"),
    re_path(rf"^{PK}/sign/email/$", views.sign_by_email, name="sign_by_email"),
    re_path(rf"^{PK}/sign/sent/$", views.check_email, name="check_email"),
    re_path(rf"^{PK}/withdraw/$", views_create.withdraw, name="withdraw"),
    re_path(rf"^{PK}/images/(?P<image_id>[0-9]{{1,12}})/$", views.image, name="image"),
]
