from django.urls import include, path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("io/", include("enterprises.io_urls")),
]
