from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.my_documents, name="mine"),
    path("new/", views.document_new, name="new"),
    path("register/", views.register, name="register"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/submit/", views.document_submit, name="submit"),
    path("<int:pk>/withdraw/", views.document_withdraw, name="withdraw"),
    path("<int:pk>/decide/", views.document_decide, name="decide"),
    path("<int:pk>/post-approve/", views.document_post_approve, name="post_approve"),
    path("<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
