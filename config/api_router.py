"""The one API router: each app registers its viewsets here."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from incentives.api.views import EntitlementViewSet
from enterprises.api.views import EnterpriseViewSet, MonthlyFigureViewSet, PoolMembershipViewSet
from reports.api.views import DispatchReportView

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("monthly-figures", MonthlyFigureViewSet, basename="monthly-figure")
router.register("pool-memberships", PoolMembershipViewSet, basename="pool-membership")
router.register("entitlements", EntitlementViewSet, basename="entitlement")

urlpatterns = router.urls + [
    path("reports/<str:key>/<int:year>/<int:month>/", DispatchReportView.as_view(), name="api-dispatch-report"),
]
