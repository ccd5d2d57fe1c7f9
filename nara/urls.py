from django.contrib import admin
from django.urls import include, path

from nara.accounts import views as accounts_views
from nara.accounts.views import admin_login
from nara.api.api import api
from nara.core import views as core_views
from nara.core.maps import mini_map_view
from nara.core.regions import sigungu_options
from nara.portal import views as portal_views

admin.site.login = admin_login  # one login page, with its rate limits and 2FA

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("about/", include("nara.portal.urls_about")),
    path("open/audit/", include("nara.portal.urls_audit")),
    path("open/documents/", include("nara.documents.urls_open")),
    path("regions/sigungu/", sigungu_options, name="sigungu_options"),
    path("maps/place/", mini_map_view, name="mini_map"),
    path("i18n/setlang/", accounts_views.choose_language, name="set_language"),
    path("accounts/", include("nara.accounts.urls")),
    path("complaints/", include("nara.complaints.urls")),
    path("petitions/", include("nara.petitions.urls")),
    path("disclosure/", include("nara.disclosure.urls")),
    path("open/requests/", include("nara.disclosure.urls_register")),
    path("moderation/", include("nara.petitions.urls_moderation")),
    path("office/petitions/", include("nara.petitions.urls_office")),
    path("office/documents/", include("nara.documents.urls")),
    path("office/approvals/", include("nara.approvals.urls")),
    path("office/disclosure/", include("nara.disclosure.urls_office")),
    path("office/", include("nara.complaints.urls_official")),
    path("participation/", include("nara.participation.urls")),
    path("participation/moderation/", include("nara.participation.urls_moderation")),
    path("participation/consultations/", include("nara.participation.consultations.urls")),
    path("participation/proposals/", include("nara.participation.proposals.urls")),
    path("participation/polls/", include("nara.participation.polls.urls")),
    path("participation/budgets/", include("nara.participation.budgets.urls")),
    path("participation/contributions/", include("nara.participation.contributions.urls")),
    path("notifications/", include("nara.notifications.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "nara.core.views.not_found"
handler500 = "nara.core.views.server_error"
