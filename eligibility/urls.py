from django.urls import path

from . import views

app_name = "eligibility"
urlpatterns = [
    path("", views.check_page, name="check"),
    path("contact/", views.contact, name="contact"),
    path("requests/", views.contact_list, name="contacts"),
]
