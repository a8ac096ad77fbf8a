"""Production: secrets and hosts must come from the environment; HTTPS everywhere."""

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the host names the site is served on.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers and Prometheus probe the nodes directly over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
# Sessions in the cache (Redis) with the database behind it: every node sees every login.
SESSION_ENGINE = env_str("SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Logs: one JSON object per line (LOG_FORMAT=text for people reading a terminal).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "text"  # noqa: F405

# Static files: served by WhiteNoise from STATIC_ROOT (run collectstatic at each deploy), with
# hashed names cached for a year and precompressed copies. Right after SecurityMiddleware.
MIDDLEWARE.insert(  # noqa: F405
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Attachments on S3-compatible object storage when a bucket is named; otherwise MEDIA_ROOT
# (which every web node and worker must then share).
CIM_S3_BUCKET = env_str("CIM_S3_BUCKET", "")
if CIM_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CIM_S3_BUCKET,
            "endpoint_url": env_str("CIM_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("CIM_S3_REGION", "") or None,
            "access_key": env_str("CIM_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("CIM_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("CIM_S3_PREFIX", ""),
            # Private objects, reached only through the app's permission-checked download views.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": env_str("CIM_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
        },
    }

# Database: keep connections open between requests and check them before reuse (behind pgbouncer
# in transaction mode set DB_CONN_MAX_AGE=0 and DB_DISABLE_SERVER_SIDE_CURSORS=true).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(  # noqa: F405
    "DB_DISABLE_SERVER_SIDE_CURSORS", False
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5  # noqa: F405

# A read replica for reports and exports (cim_site.db_router.use_replica); optional.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    import dj_database_url

    DATABASES["replica"] = dj_database_url.parse(  # noqa: F405
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],  # noqa: F405
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
