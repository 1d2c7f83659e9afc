"""The one API router: each app registers its viewsets here."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from incentives.api.views import EntitlementViewSet
from eligibility.api import EligibilityCheckView
from enterprises.api.views import EnterpriseViewSet, MonthlyFigureViewSet, PoolMembershipViewSet
from enterprises.api import record_views
from enterprises.api.exports import ListExportViewSet
from incentives.api.views import EntitlementBatchViewSet
from monitoring.api.views import CheckRunViewSet, TargetViewSet, WarningViewSet
from policies.api.views import IncentiveRuleViewSet, PolicyDocumentViewSet
from reports.api.views import DispatchReportView, DispatchReportViewSet

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("monthly-figures", MonthlyFigureViewSet, basename="monthly-figure")
router.register("pool-memberships", PoolMembershipViewSet, basename="pool-membership")
router.register("entitlements", EntitlementViewSet, basename="entitlement")
# The other resources (issue 13), read-only and scoped like the pages. Their route names start
# with "api-", which tests/security/test_url_walk.py takes for API routes (scoped in their tests).
router.register("jurisdictions", record_views.JurisdictionViewSet, basename="api-jurisdiction")
router.register("scale-events", record_views.ScaleEventViewSet, basename="api-scale-event")
router.register("recognitions", record_views.RecognitionViewSet, basename="api-recognition")
router.register("listing-milestones", record_views.ListingMilestoneViewSet, basename="api-listing-milestone")
router.register("refinancings", record_views.RefinancingViewSet, basename="api-refinancing")
router.register("attestations", record_views.AttestationViewSet, basename="api-attestation")
router.register("contacts", record_views.ContactViewSet, basename="api-contact")
router.register("warnings", WarningViewSet, basename="api-warning")
router.register("targets", TargetViewSet, basename="api-target")
router.register("check-runs", CheckRunViewSet, basename="api-check-run")
router.register("entitlement-batches", EntitlementBatchViewSet, basename="api-entitlement-batch")
router.register("policy-documents", PolicyDocumentViewSet, basename="api-policy-document")
router.register("rules", IncentiveRuleViewSet, basename="api-rule")
router.register("dispatch-reports", DispatchReportViewSet, basename="api-dispatch-report-issued")
# Every list above also answers <list>/export/ (enterprises/api/exports.py); large ones become these jobs.
router.register("exports", ListExportViewSet, basename="api-list-export")

urlpatterns = router.urls + [
    path("reports/<str:key>/<int:year>/<int:month>/", DispatchReportView.as_view(), name="api-dispatch-report"),
    path("eligibility-check/", EligibilityCheckView.as_view(), name="api-eligibility-check"),
]

