"""POST /api/v1/auth/token/ {username, password} → {"token": …}: the token an integration sends
as "Authorization: Token …". Failures count towards django-axes' lockout exactly like the admin
login (the serializer authenticates with the underlying Django request, which is what axes reads
and marks), and a locked-out client gets 429 with the API's error shape."""

from typing import Any

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request


class ObtainTokenView(ObtainAuthToken):
    def get_serializer_context(self) -> dict[str, Any]:
        request: Request = self.request
        return {**super().get_serializer_context(), "request": request._request}

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["context"] = self.get_serializer_context()
        return self.serializer_class(*args, **kwargs)
