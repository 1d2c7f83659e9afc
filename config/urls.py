from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config.api_docs import ApiDocsView, ApiSchemaView
from enterprises import portal_views as enterprise_portal_views
from enterprises.web_auth import PortalAuthenticationForm
from reports import views as report_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # /api/v1/ is the versioned API; /api/ answers the same views as an alias (namespaced, so that
    # reverse() names the v1 address) until the README says otherwise. The schema lists v1 only.
    path("api/v1/", include("config.api_router")),
    path("api/", include(("config.api_router", "api-alias"), namespace="api-alias")),
    path("api/schema/", ApiSchemaView.as_view(), name="api-schema"),
    path("api/docs/", login_required(ApiDocsView.as_view(url_name="api-schema")), name="api-docs"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=PortalAuthenticationForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/tokens/", include("enterprises.token_urls")),
    path("enterprises/", include("enterprises.urls")),
    # The enterprise portal (an enterprise account's own pages) and the link that opens such an account.
    path("my/", include("enterprises.portal_urls")),
    path("invite/<str:token>/", enterprise_portal_views.invitation_accept, name="invitation_accept"),
    path("policies/", include("policies.urls")),
    path("incentives/", include("incentives.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("dashboard/", include("reports.urls")),
    path("reports/", include("reports.report_urls")),
    # The public eligibility check (no login) and its staff list of contact requests.
    path("check/", include("eligibility.urls")),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    # Leaders land on the dashboard, everyone else on the enterprise list (reports.views.home).
    path("", report_views.home, name="home"),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
