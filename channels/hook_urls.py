from django.urls import path

from . import hook_views

app_name = "hooks"
urlpatterns = [
    path("email/<slug:code>/", hook_views.email_relay, name="email"),
    path("phone/<slug:code>/", hook_views.phone_calls, name="phone"),
    path("events/<slug:code>/", hook_views.bulk_events, name="events"),
    path("facebook/<slug:code>/", hook_views.facebook_webhook, name="facebook"),
    path("zalo/<slug:code>/", hook_views.zalo_webhook, name="zalo"),
]
