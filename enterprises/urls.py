from django.urls import include, path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/figures/", views.figure_submit, name="figure_submit"),
    path("<int:pk>/pool/", views.pool_move, name="pool_move"),
    path("<int:pk>/scale-events/", views.scale_event_create, name="scale_event_create"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/<int:pk>/approve/", views.correction_approve, name="correction_approve"),
    path("corrections/<int:pk>/reject/", views.correction_reject, name="correction_reject"),
    path("io/", include("enterprises.io_urls")),
]
