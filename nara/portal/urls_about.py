"""The pages every page's footer links to: privacy policy, terms of use, accessibility
statement and contact (KRDS: the footer's fixed links, the privacy policy first)."""

from django.urls import path

from . import views

app_name = "about"
urlpatterns = [
    path("privacy/", views.about_page, {"page": "privacy"}, name="privacy"),
    path("terms/", views.about_page, {"page": "terms"}, name="terms"),
    path("accessibility/", views.about_page, {"page": "accessibility"}, name="accessibility"),
    path("contact/", views.about_page, {"page": "contact"}, name="contact"),
]
