from django.urls import path

from . import chat_views, views

app_name = "channels"
urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/<str:token>/", views.contact_thanks, name="contact_thanks"),
    path("verify/<str:token>/", views.verify_identity, name="verify_identity"),
    path("chat/", chat_views.chat_page, name="chat"),
    path("chat/start/", chat_views.chat_start, name="chat_start"),
    path("chat/<str:token>/send/", chat_views.chat_send, name="chat_send"),
    path("chat/<str:token>/messages/", chat_views.chat_messages, name="chat_messages"),
]
