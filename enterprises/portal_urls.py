from django.urls import path

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("awards/", portal_views.awards, name="awards"),
    path("warnings/", portal_views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", portal_views.warning_detail, name="warning"),
    path("figures/", portal_views.figures, name="figures"),
]
