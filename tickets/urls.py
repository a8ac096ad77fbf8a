from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [path("status/<str:token>/", views.ticket_status, name="status")]
