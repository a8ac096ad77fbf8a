"""Settings shared by every environment. Values that differ per deployment come from env vars."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("CIM_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Pages opened with a secret link (ticket status, survey) must not hand that link to another site,
# yet their own forms need a real Origin (and, over HTTPS, a Referer) for the CSRF check: with
# "no-referrer" Chromium posts "Origin: null" and Django refuses the form. "same-origin" sends
# both to this site only. Those pages repeat it in a <meta>, which wins over this header.
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "cim_site.csrf.csrf_failure"
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "customers",
    "tickets",
    "channels",
    "feedback",
    "knowledge_base",
    "cim_site",
]

MIDDLEWARE = [
    # First: every later layer (and every log record) sees the request id; metrics time it all.
    "cim_site.request_id.RequestIdMiddleware",
    "cim_site.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a login refused by django-axes into the locked-out page (or JSON for the API).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cim_site.urls"
WSGI_APPLICATION = "cim_site.wsgi.application"
ASGI_APPLICATION = "cim_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cim_site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Embedded default: SQLite in var/. DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process, the worker and beat read while one of them writes; the busy
    # timeout makes a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Reads of reports and exports go to DATABASE_REPLICA_URL inside `use_replica()` (production.py).
DATABASE_ROUTERS = ["cim_site.db_router.ReplicaRouter"]

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # A Redis that refuses or hangs costs a request one short timeout at most, then the cache
    # answers from a per-process local cache for a few seconds (cim_site/throttling.py).
    CACHES = {
        "default": {
            "BACKEND": "cim_site.throttling.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": float(env_str("CIM_CACHE_CONNECT_TIMEOUT", "0.5")),
                "socket_timeout": float(env_str("CIM_CACHE_TIMEOUT", "0.5")),
            },
        }
    }
else:
    # A file cache is shared by every process on the machine, which rate limits need.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- login throttling (django-axes): the admin login and the API token endpoint lock a username
# from one address out after this many failures, for this many minutes. Every failure and
# lockout is written to the AccessAttempt table (admin: Axes) and logged by the "axes" logger.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CIM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CIM_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cim_site.lockout.locked_out_response"
AXES_SENSITIVE_PARAMETERS = ["password"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "cim_site" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Bodies and uploads: refuse what is too large before it reaches a form or serializer.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CIM_ATTACHMENT_MAX_BYTES = env_int("CIM_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
CIM_ATTACHMENT_CONTENT_TYPES = env_list(
    "CIM_ATTACHMENT_CONTENT_TYPES",
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
CIM_MESSAGE_MAX_CHARS = env_int("CIM_MESSAGE_MAX_CHARS", 20_000)
# An outbound message claimed this long ago and still "sending" was abandoned by a dead worker;
# the sweep takes it again. Longer than CELERY_TASK_TIME_LIMIT, so a live send is never retaken.
CIM_OUTBOUND_LEASE_SECONDS = env_int("CIM_OUTBOUND_LEASE_SECONDS", 600)
CIM_DEFAULT_PHONE_REGION = env_str("CIM_DEFAULT_PHONE_REGION", "VN")
# How long the signed link a customer gets for following a ticket stays valid.
CIM_TICKET_LINK_MAX_AGE_DAYS = env_int("CIM_TICKET_LINK_MAX_AGE_DAYS", 90)
# Saved views (tickets.saved_views): how long a user's sidebar counts are reused; 0 = never.
CIM_VIEW_COUNT_CACHE_SECONDS = env_int("CIM_VIEW_COUNT_CACHE_SECONDS", 30)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CIM Support <support@localhost>")
# Mails to staff (SLA warnings and breaches, feedback alerts): never the customer-facing
# address, so staff replies never land in the customers' inbox as tickets.
CIM_NOTIFICATION_FROM_EMAIL = env_str(
    "CIM_NOTIFICATION_FROM_EMAIL", "CIM Notifications <notifications@localhost>"
)

LOGIN_URL = "admin:login"

# Public forms are rate limited per client address. If the cache is unreachable, let people
# through rather than refuse every customer. Behind a proxy, name the header that carries the
# client address (e.g. HTTP_X_FORWARDED_FOR) so visitors do not share one limit.
RATELIMIT_FAIL_OPEN = True
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cim_site.api.permissions.ModelPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cim_site.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cim_site.api.errors.exception_handler",
    # JSON with a size and nesting limit, no NUL/surrogates/huge numbers (cim_site/api/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "cim_site.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        # Allow the request when the cache fails, rather than answer 500.
        "cim_site.throttling.FailOpenAnonRateThrottle",
        "cim_site.throttling.FailOpenUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("CIM_API_ANON_RATE", "60/min"),
        "user": env_str("CIM_API_USER_RATE", "2000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CIM API",
    "DESCRIPTION": "Customer Interaction Management: customers, tickets, channels, interactions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "PriorityEnum": "tickets.models.Priority",
        "ChannelKindEnum": "customers.models.ChannelKind",
        "LanguageEnum": "customers.models.Language",
        "TicketStatusEnum": "tickets.models.TicketStatus",
        "ArticleStatusEnum": "knowledge_base.models.ArticleStatus",
        "OutboundStatusEnum": "channels.models.OutboundStatus",
        "InboundStatusEnum": "channels.models.InboundStatus",
        "ChatStatusEnum": "channels.models.ChatStatus",
        "InvitationStatusEnum": "feedback.models.InvitationStatus",
        "LinkKindEnum": "tickets.models.LinkKind",
        "NotificationKindEnum": "tickets.models.NotificationKind",
    },
}

# Celery: Redis when REDIS_URL is set, otherwise a broker on the local disk that needs no server.
# The filesystem transport ignores the host, but kombu warns "No hostname was supplied" on every
# connection (each published task) when the URL has none; "localhost" is its own default.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    # The filesystem transport does not create its folders itself.
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A request that enqueues must not hang when Redis is down: give up fast, the sweep
        # picks the committed row up later.
        "socket_connect_timeout": 1,
        # A hanging broker costs a request this long once (then tickets/queueing.py's breaker
        # skips publishing for a while); above kombu's 1 s BRPOP wait, which it must exceed.
        "socket_timeout": 2,
        "max_retries": 0,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must never hang on the broker: publishing gives up quickly, and the due row in the
# database is picked up by the next sweep instead.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Logs: one line per record on stderr, each with the request id (X-Request-ID, carried into the
# tasks a request enqueues). LOG_FORMAT=json writes one JSON object per line (production default).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cim_site.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# /metrics: a scraper sends "Authorization: Bearer <token>"; logged-in staff may always read it.
CIM_METRICS_TOKEN = env_str("CIM_METRICS_TOKEN", "")

# --- feedback
# Surveys: how long an invitation link stays valid, the default wait after a ticket is solved, the
# fewest days between two surveys to one customer, and the longest comment kept.
CIM_SURVEY_LINK_DAYS = env_int("CIM_SURVEY_LINK_DAYS", 7)
CIM_SURVEY_DELAY_MINUTES = env_int("CIM_SURVEY_DELAY_MINUTES", 60)
CIM_SURVEY_QUIET_DAYS = env_int("CIM_SURVEY_QUIET_DAYS", 30)
CIM_SURVEY_COMMENT_MAX_CHARS = env_int("CIM_SURVEY_COMMENT_MAX_CHARS", 2000)
CIM_SURVEY_POST_RATE = env_str("CIM_SURVEY_POST_RATE", "10/m")
# Links that open nothing (survey, opt-out, ticket status) one address may try per minute; past
# it every link page answers 429 before looking the token up.
CIM_LINK_GUESS_RATE = env_str("CIM_LINK_GUESS_RATE", "10/m")
# Sentiment: "auto" uses the model train_sentiment wrote, if any, else the built-in lexicon.
CIM_SENTIMENT_ANALYSER = env_str("CIM_SENTIMENT_ANALYSER", "auto")
CIM_SENTIMENT_MODEL_PATH = env_str(
    "CIM_SENTIMENT_MODEL_PATH", str(VAR_DIR / "sentiment" / "model.json")
)

# --- channels (omnichannel intake)
# An open ticket takes a customer's new chat / Zalo / Messenger / phone contact without a thread
# reference for this long (email: only with In-Reply-To, a reply address or [REF] in the
# subject, unless the channel's settings say "thread_window_hours").
CIM_THREAD_WINDOW_HOURS = env_int("CIM_THREAD_WINDOW_HOURS", 24)
# Largest raw email accepted from a relay, IMAP or maildir, and largest webhook / PBX body.
CIM_EMAIL_MAX_BYTES = env_int("CIM_EMAIL_MAX_BYTES", 25 * 1024 * 1024)
CIM_WEBHOOK_MAX_BYTES = env_int("CIM_WEBHOOK_MAX_BYTES", 256 * 1024)
# Signed platform events (Zalo "timestamp", Messenger entry "time") further than this from now are
# refused. A day covers the platforms' own retries after an outage; duplicates within it are
# dropped by the message id.
CIM_WEBHOOK_REPLAY_SECONDS = env_int("CIM_WEBHOOK_REPLAY_SECONDS", 24 * 3600)
# Chat lines one browser may send per minute (django-ratelimit syntax).
CIM_CHAT_POST_RATE = env_str("CIM_CHAT_POST_RATE", "30/m")

# --- knowledge_base (help-centre search, suggestions, helpful votes)
# Requests one client address may make per minute (django-ratelimit syntax).
CIM_KB_SEARCH_RATE = env_str("CIM_KB_SEARCH_RATE", "60/m")
CIM_KB_SUGGEST_RATE = env_str("CIM_KB_SUGGEST_RATE", "120/m")
CIM_KB_VOTE_RATE = env_str("CIM_KB_VOTE_RATE", "10/m")

# --- chatbot (web chat)
# The web chat starts with the chatbot when there are published articles; a channel's settings
# can turn it off with {"bot": false}. Customers of these segment codes go straight to a person.
CIM_BOT_ENABLED = env_bool("CIM_BOT_ENABLED", True)
CIM_BOT_PEOPLE_SEGMENTS = ["prefers-people"]
