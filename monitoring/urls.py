from django.urls import path

from . import target_views, views

app_name = "monitoring"

urlpatterns = [
    path("", views.warning_list, name="warnings"),
    path("<int:pk>/", views.warning_detail, name="warning"),
    path("<int:pk>/transition/", views.warning_transition, name="transition"),
    path("<int:pk>/escalate/", views.warning_escalate, name="escalate"),
    path("<int:pk>/assistance/", views.assistance_create, name="assistance"),
    path("runs/", views.run_list, name="runs"),
    path("runs/new/", views.run_start, name="run_start"),
    path("targets/", target_views.target_list, name="targets"),
    path("targets/new/", target_views.target_create, name="target_create"),
    path("targets/<int:pk>/", target_views.target_edit, name="target"),
]
