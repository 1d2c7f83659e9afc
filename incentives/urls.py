from django.urls import path

from . import views

app_name = "incentives"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("batches/", views.batch_start, name="batch_start"),
    path("review/", views.review, name="review"),
    path("export.xlsx", views.finance_export, name="export"),
    path("what-if/", views.what_if, name="what_if"),
    path("enterprises/<int:pk>/", views.enterprise_decisions, name="enterprise"),
]
