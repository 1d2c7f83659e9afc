from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("<slug:key>/", views.document_detail, name="detail"),
    path("<slug:key>/effective-date/", views.document_effective_date, name="effective_date"),
]
