from django.urls import path, re_path

from . import views, views_figures

app_name = "complaints"

# Receipt numbers look like NR-250102-7KQ4MX; anything else never reaches a view (no NUL bytes,
# no slashes, bounded length).
RECEIPT = r"(?P<receipt_no>[A-Za-z0-9-]{1,30})"

urlpatterns = [
    path("new/", views.file, name="file"),
    path("mine/", views.mine, name="mine"),
    path("public/", views.public_list, name="public_list"),
    re_path(rf"^public/{RECEIPT}/$", views.public_detail, name="public_detail"),
    path("figures/", views_figures.figures, name="figures"),
    re_path(rf"^{RECEIPT}/$", views.detail, name="detail"),
    re_path(
        rf"^{RECEIPT}/attachments/(?P<attachment_id>[0-9]{{1,12}})/$",
        views.attachment,
        name="attachment",
    ),
    re_path(rf"^{RECEIPT}/reply/$", views.reply_info, name="reply_info"),
    re_path(rf"^{RECEIPT}/withdraw/$", views.withdraw, name="withdraw"),
    re_path(rf"^{RECEIPT}/rate/$", views.rate, name="rate"),
    re_path(rf"^{RECEIPT}/follow-up/$", views.follow_up, name="follow_up"),
]
