from django.urls import include, path

from . import portal_views, record_views, views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/figures/", views.figure_submit, name="figure_submit"),
    path("<int:pk>/pool/", views.pool_move, name="pool_move"),
    path("<int:pk>/scale-events/", views.scale_event_create, name="scale_event_create"),
    path("<int:pk>/invite/", portal_views.invitation_create, name="invite"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/<int:pk>/approve/", views.correction_approve, name="correction_approve"),
    path("corrections/<int:pk>/reject/", views.correction_reject, name="correction_reject"),
    path("io/", include("enterprises.io_urls")),
]

# An enterprise's records: added from its page (the enterprise's id), corrected and
# deleted by the record's own id (found through the user's scope, like the enterprise).
RECORD_ROUTES = {"recognition": "recognitions", "listing": "listings", "refinancing": "refinancings",
                 "attestation": "attestations", "contact": "contacts"}
for kind, segment in RECORD_ROUTES.items():
    urlpatterns += [
        path(f"<int:pk>/{segment}/new/", record_views.record_create, {"kind": kind}, name=f"{kind}_create"),
        path(f"{segment}/<int:pk>/edit/", record_views.record_edit, {"kind": kind}, name=f"{kind}_edit"),
        path(f"{segment}/<int:pk>/delete/", record_views.record_delete, {"kind": kind}, name=f"{kind}_delete"),
    ]
