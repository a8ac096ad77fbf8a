from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("<str:token>/", views.survey, name="survey"),
    path("<str:token>/opt-out/", views.opt_out, name="opt_out"),
]
