from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/<str:token>/", views.contact_thanks, name="contact_thanks"),
]
