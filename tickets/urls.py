from django.http import HttpResponse
from django.urls import path

app_name = "tickets"
urlpatterns = [path("status/<str:token>/", lambda r, token: HttpResponse(""), name="status")]
