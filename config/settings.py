"""Listing Manager settings: one file, every value read from the environment through django-environ.

Development needs no environment at all (SQLite in WAL mode, django-q2 ORM broker). Production is switched on
with DJANGO_ENV=production, which then *requires* SECRET_KEY, CREDENTIALS_KEY and ALLOWED_HOSTS.
"""

import base64
import hashlib
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
_DEV_SECRET = "dev-only-not-secret-listing-manager-0123456789abcdefghijklmnopqrstuvwxyz"

if PRODUCTION:
    for _required in ("SECRET_KEY", "CREDENTIALS_KEY", "ALLOWED_HOSTS"):
        if not env.str(_required, default=""):
            raise ImproperlyConfigured(f"{_required} must be set when DJANGO_ENV=production")

SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Fernet key (urlsafe base64, 32 bytes) that encrypts channel credentials at rest. In development it is derived
# from SECRET_KEY so that a fresh checkout works; production must set its own.
CREDENTIALS_KEY = env.str(
    "CREDENTIALS_KEY",
    default=base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode(),
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served from static/: no CDN (no internet, strict CSP)
    "import_export",
    "django_q",
    "axes",
    "common",
    "accounts",
    "catalog",
    "channels",
    "listings",
    "syncing",
    "operations",
    "intake",
    "inventory",
    "orders",
    "competitors",
    "pricing",
    "analytics",
    "workflow",
]

MIDDLEWARE = [
    "common.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "common.middleware.SecurityHeadersMiddleware",
    "common.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserSessionMiddleware",
    "accounts.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout flagged during authenticate() into a response
    "listings.middleware.ContentChangeMiddleware",  # content versions say 'api' or 'manual' (docs/catalog.md#versions)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two writers queue
    # on the busy timeout instead of failing with "database is locked" on lock upgrade (docs/imports.md#background).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=30),
        "transaction_mode": "IMMEDIATE",
        # journal_size_limit: the WAL file shrinks back to 64 MB after a large import has grown it
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=67108864;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared store for throttles/token buckets when Redis is configured) ---
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background jobs (django-q2) ---
# Workers: `manage.py worker` (docs/sync.md, "Stopping and restarting workers"). A running task's queue row is
# re-locked every Q_RETRY/3 s by its worker (common/worker.py), so Q_RETRY is how soon the work of a dead worker
# comes back, not a bound on task length; Q_TIMEOUT still kills a task that runs too long.
Q_CLUSTER = {
    "name": "listing-manager",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=600),  # a task running longer than this is killed
    "retry": env.int("Q_RETRY", default=30),  # visibility of a taken task whose worker stopped renewing it
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    "save_limit": 500,
    "catch_up": False,
    "poll": 0.5,
    "ack_failures": True,
    "queue_limit": env.int("Q_WORKERS", default=2),  # taken ahead, one per worker; renewed (common/cluster.py)
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    Q_CLUSTER["broker_class"] = "common.brokers.RedisWithReceipts"  # django-q2's, plus the ORM broker's receipts
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["broker_class"] = "common.brokers.PriorityORM"  # django-q2's ORM broker, highest priority first
# SIGTERM/Ctrl-C: running tasks get this long to finish before they are handed back and the cluster exits.
Q_STOP_SECONDS = env.float("Q_STOP_SECONDS", default=10.0)
# django-q2 warns when retry < timeout (a task would be redelivered while it runs); the renewal above prevents that.
warnings.filterwarnings("ignore", message="Retry and timeout are misconfigured")

# --- Auth ---
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",  # django-axes check first: a locked-out username+IP never reaches passwords
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# --- Uploads ---
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=50_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # non-file body parts; Django has no total file size limit, so
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # REQUEST_MAX_BYTES refuses oversized bodies (413) up front
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 50
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=60 * 1024 * 1024)
# Spreadsheet imports (catalog/importing): each limit is checked before the file is parsed (ASVS 5.2.1-5.2.3).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# PostgreSQL: threads (each with its own connection) writing chunks of new products while the next is checked
IMPORT_WRITERS = env.int("IMPORT_WRITERS", default=3)
# A 5.7 MB / 100k-row xlsx unpacks to 63 MB (docs/imports.md#background), so 50 MB of xlsx is roughly 600 MB unpacked.
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=700 * 1024 * 1024)
IMPORT_MAX_ZIP_ENTRIES = env.int("IMPORT_MAX_ZIP_ENTRIES", default=2_000)
# image_urls are fetched by the server: refuse private/loopback hosts (SSRF) unless allowed (tests, intranets)
IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS = env.bool("IMPORT_IMAGE_ALLOW_PRIVATE_HOSTS", default=False)
# Supplier feeds (docs/operations.md#supplier-feeds): the same SSRF guard for feed URLs, and the largest feed file
FEED_ALLOW_PRIVATE_HOSTS = env.bool("FEED_ALLOW_PRIVATE_HOSTS", default=False)
FEED_MAX_BYTES = env.int("FEED_MAX_BYTES", default=200 * 1024 * 1024)
# operations.Job: a running job renews heartbeat_at this often from its own thread; a job without a beat for
# JOB_STALE_SECONDS is taken over by its task's redelivery (docs/operations.md#jobs)
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=10.0)
JOB_STALE_SECONDS = env.float("JOB_STALE_SECONDS", default=60.0)
FEED_SFTP_KNOWN_HOSTS = env.str("FEED_SFTP_KNOWN_HOSTS", default="")  # known_hosts file; empty: keys not checked
IMPORT_EXPORT_SKIP_ADMIN_LOG = True  # a LogEntry per row is the slow part of admin imports (docs/imports.md#background)
# A character XLSX cannot hold (NUL, other control characters) becomes U+FFFD in the admin's XLSX export instead of
# failing the whole download with "export failed".
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "common.api.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["common.api.filters.StrictFilterBackend"],
    # JSON only (uploads declare multipart themselves): one body format to document, validate and fuzz.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "common.api.errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.RolePermission"],
    # Throttles are a courtesy limit, not the brute-force guard (django-axes is; docs/api.md#throttles). They
    # count in the default cache: Redis, shared by all workers, when REDIS_URL is set; else per process.
    "DEFAULT_THROTTLE_CLASSES": ["common.api.throttling.AnonIpThrottle", "common.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": env.str("API_TOKEN_THROTTLE_RATE", default="10/min"),
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "token": env.str("API_THROTTLE_TOKEN", default="1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Listing Manager API",
    "DESCRIPTION": "Products, categories, channels, listings, sync jobs and imports. Every error response has "
    "the `Error` shape. See docs/api.md for authentication and examples.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "catalog.choices.ProductStatus",
        "ListingStatusEnum": "listings.choices.ListingStatus",
        "SyncJobStatusEnum": "syncing.choices.SyncJobStatus",
        "BulkPolicyEnum": "common.api.bulk.BULK_POLICY_CHOICES",
        "BulkItemStatusEnum": "common.api.bulk.BULK_ITEM_STATUSES",
        "IntakePhaseEnum": "intake.choices.PhaseName",
        "JobStatusEnum": "operations.choices.JobStatus",
        "ChangesetKindEnum": "listings.choices.ChangesetKind",
        "PriceKindEnum": "pricing.history_models.PriceKind",
        "SyncJobKindEnum": "syncing.choices.SyncJobKind",
    },
}

# --- Marketplace sandbox (development) ---
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8100")
# Absolute address of this site, used in image URLs that marketplaces download.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

# --- Accounts, sessions, tokens, audit ---
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=12 * 3600)  # absolute lifetime of a login, seconds
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=3600)  # logged out after this long without a request
SESSION_COOKIE_AGE = SESSION_MAX_AGE
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
HEALTH_WORKER_MAX_AGE = env.int("HEALTH_WORKER_MAX_AGE", default=180)  # seconds since the last worker heartbeat
HEALTH_QUEUE_MAX_AGE = env.int("HEALTH_QUEUE_MAX_AGE", default=900)  # seconds the oldest available task may wait
HEALTH_DISK_MIN_FREE_MB = env.int("HEALTH_DISK_MIN_FREE_MB", default=200)

# django-axes: 5 failures per username+IP (never per IP alone, so one proxy IP cannot lock everybody out).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner in every process; lockouts are still logged as warnings
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "key", "token"]
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None  # trusted reverse proxies in front
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

if PRODUCTION:
    _email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="listing-manager@localhost")

# --- Security ---
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Our templates carry no inline script; a view that needs another policy sets its own header first.
CSP_POLICY = env.str(
    "CSP_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "Lax"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# Records at or above this level are also stored in the database (operations.SystemLog, docs/operations.md).
SYSTEM_LOG_ENABLED = env.bool("SYSTEM_LOG_ENABLED", default=True)
SYSTEM_LOG_LEVEL = env.str("SYSTEM_LOG_LEVEL", default="WARNING")
SYSTEM_LOG_RETENTION_DAYS = env.int("SYSTEM_LOG_RETENTION_DAYS", default=30)
# Statements slower than this are sampled into the system log (0 turns it off; docs/operations.md#slow-queries).
SLOW_QUERY_MS = env.int("SLOW_QUERY_MS", default=100)
SLOW_QUERY_SAMPLE_RATE = env.float("SLOW_QUERY_SAMPLE_RATE", default=1.0)
# Scheduled backups (docs/operations.md#backups): where, how often (0 = no schedule) and how many are kept.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups")))
BACKUP_INTERVAL_MINUTES = env.int("BACKUP_INTERVAL_MINUTES", default=24 * 60)
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
BACKUP_TIMEOUT = env.int("BACKUP_TIMEOUT", default=3600)  # seconds pg_dump / pg_restore may take
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "common.logging.RequestIdFilter"},
        "redact": {"()": "common.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "common.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id", "redact"]},
        "database": {"()": "operations.systemlog.DatabaseLogHandler", "level": SYSTEM_LOG_LEVEL},
    },
    "root": {"handlers": ["console", "database"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Photo intake (docs/intake.md#engines) ---
# The analysis engine: "offline" (default; zxing-cpp, tesseract, scikit-learn on this CPU) or "http", an
# OpenAI-compatible chat-completions endpoint that suggests the category (off unless set; nothing leaves the
# machine otherwise).
INTAKE_ENGINE = env.str("INTAKE_ENGINE", default="offline")
INTAKE_HTTP_ENGINE_URL = env.str("INTAKE_HTTP_ENGINE_URL", default="")
INTAKE_HTTP_ENGINE_MODEL = env.str("INTAKE_HTTP_ENGINE_MODEL", default="")
INTAKE_HTTP_ENGINE_KEY = env.str("INTAKE_HTTP_ENGINE_KEY", default="")
INTAKE_HTTP_ENGINE_TIMEOUT = env.float("INTAKE_HTTP_ENGINE_TIMEOUT", default=30.0)

# --- Orders and stock (docs/orders.md) ---
INVENTORY_LOW_STOCK_THRESHOLD = env.int("INVENTORY_LOW_STOCK_THRESHOLD", default=5)  # default per-variant threshold
CUSTOMER_VIP_SPEND = env.float("CUSTOMER_VIP_SPEND", default=500.0)  # total spent from which a customer is VIP
CUSTOMER_AT_RISK_DAYS = env.int("CUSTOMER_AT_RISK_DAYS", default=90)  # a repeat customer silent this long is at risk
CUSTOMER_RETENTION_DAYS = env.int("CUSTOMER_RETENTION_DAYS", default=730)  # personal data purged after the last order
ORDERS_PULL_INTERVAL_MINUTES = env.int("ORDERS_PULL_INTERVAL_MINUTES", default=2)  # order pull safety net (schedule)
ANALYTICS_REFRESH_MINUTES = env.int("ANALYTICS_REFRESH_MINUTES", default=10)  # today's figures recomputed this often
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=600)  # cached figures live at most this long
ANALYTICS_MAX_RANGE_DAYS = env.int("ANALYTICS_MAX_RANGE_DAYS", default=366)  # longest from..to the API answers
# first wait between polls of Amazon's reports, doubled each round (docs/analytics.md#pulling)
ANALYTICS_REPORT_POLL_SECONDS = env.float("ANALYTICS_REPORT_POLL_SECONDS", default=2.0)

# Runtime settings (docs/configuration.md#runtime-settings): a process compares its cached settings with the
# database at each request and task, and otherwise at most this many seconds after its last comparison.
RUNTIME_SETTINGS_MAX_AGE = env.float("RUNTIME_SETTINGS_MAX_AGE", default=5.0)
SCORES_SWEEP_MINUTES = env.int("SCORES_SWEEP_MINUTES", default=5)  # stale listing scores are recomputed this often
RULES_SWEEP_MINUTES = env.int("RULES_SWEEP_MINUTES", default=10)  # threshold automation rules are checked this often
RULE_EVALUATIONS_KEEP_DAYS = env.int("RULE_EVALUATIONS_KEEP_DAYS", default=30)  # automation rules' log kept this long

# Costs and margins (docs/pricing.md); a later issue moves these to the runtime settings table.
COSTS_BASE_CURRENCY = env.str("COSTS_BASE_CURRENCY", default="USD")  # the currency rates table is per 1 unit of this
COSTS_OVERHEAD_PCT = env.float("COSTS_OVERHEAD_PCT", default=10.0)  # added to the BOM sum (seed 003's view)
COSTS_PRICE_EXPIRY_ALERT_DAYS = env.int("COSTS_PRICE_EXPIRY_ALERT_DAYS", default=14)  # alert before a price ends
PRICING_DEFAULT_MARGIN_FLOOR = env.float(
    "PRICING_DEFAULT_MARGIN_FLOOR", default=20.0
)  # pricing.default_margin_floor, %

# Competitors and their alerts (docs/competitors.md#settings); checked at start (competitors.checks).
COMPETITORS_OBSERVE_MINUTES = env.int("COMPETITORS_OBSERVE_MINUTES", default=60)  # schedule: every active competitor
COMPETITORS_ALERT_WINDOW_MINUTES = env.int("COMPETITORS_ALERT_WINDOW_MINUTES", default=60)  # moves fold into 1 alert
# Four increasing steps (low, medium, high, critical); a move below the first raises no alert.
COMPETITORS_PRICE_PCT_THRESHOLDS = env.list("COMPETITORS_PRICE_PCT_THRESHOLDS", default=["2", "5", "10", "20"])  # %
COMPETITORS_RANK_DELTA_THRESHOLDS = env.list(
    "COMPETITORS_RANK_DELTA_THRESHOLDS", default=["100", "500", "2000", "10000"]
)  # sales-rank places
# Price history (docs/pricing.md#price-history): raw points this many days, then daily aggregates, all gone after
# PRICE_HISTORY_KEEP_DAYS (seed 003: compress after 30 days, keep 2 years); changes of more listings than
# PRICE_HISTORY_INLINE_MAX at once (a markup edit, a large import) are recorded by a queued task.
PRICE_HISTORY_RAW_DAYS = env.int("PRICE_HISTORY_RAW_DAYS", default=30)
PRICE_HISTORY_KEEP_DAYS = env.int("PRICE_HISTORY_KEEP_DAYS", default=730)
PRICE_HISTORY_INLINE_MAX = env.int("PRICE_HISTORY_INLINE_MAX", default=200)
