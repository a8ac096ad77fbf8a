"""Settings for the test suite: same database engines as production, fast hashing, local mail."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; tests about workers start a real worker and switch this off.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "10000/min"},
}
RATELIMIT_ENABLE = True
# Saved-view counts are fresh on every request, so a page's query count does not depend on
# the request before it; the cache's own test switches it on.
CIM_VIEW_COUNT_CACHE_SECONDS = 0
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# Django's test client logs in without a request, which django-axes refuses; the login
# throttling tests (tests/security) switch it on with override_settings(AXES_ENABLED=True).
AXES_ENABLED = False
