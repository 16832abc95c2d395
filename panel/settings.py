"""Settings for Safeguard Panel: one module, every deploy-time value from the environment.

With no variables set the app runs locally: DEBUG on, SQLite in the project folder and
Celery on kombu's filesystem transport under ``var/``. ``.env.example`` lists every
variable. With DEBUG off the app refuses to start without a real SECRET_KEY and
ALLOWED_HOSTS.
"""

import datetime as dt
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is read if present; real deployments set the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime state that is not the database: the embedded broker's queue, beat's schedule.
VAR_DIR = Path(env.str("PANEL_VAR_DIR", default=str(BASE_DIR / "var")))

# Only used when DEBUG is on; check_production_settings() refuses it otherwise.
INSECURE_DEV_SECRET_KEY = "django-insecure-local-development-only-never-deploy-this-key"  # noqa: S105

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Set true only behind a proxy that overwrites X-Forwarded-For: the audit trail records
# the client address from it.
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
# Shows a "fictional demo data only" strip on every page; on by default locally.
DEMO_MODE = env.bool("DEMO_MODE", default=DEBUG)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")


def check_production_settings(*, debug: bool, secret_key: str, allowed_hosts: list[str]) -> None:
    """Refuse to start a non-debug instance with a development secret or no hosts."""
    if debug:
        return
    problems = []
    if (
        not secret_key
        or secret_key == INSECURE_DEV_SECRET_KEY
        or secret_key.startswith("django-insecure")
        or len(secret_key) < 50
        or len(set(secret_key)) < 5
    ):
        problems.append(
            "SECRET_KEY must be set to a random value of at least 50 characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))')"
        )
    if not allowed_hosts:
        problems.append(
            "ALLOWED_HOSTS must list the host names this instance serves (comma separated)"
        )
    if problems:
        raise ImproperlyConfigured(
            "Safeguard Panel will not start with DEBUG off: " + "; ".join(problems) + "."
        )


check_production_settings(debug=DEBUG, secret_key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "panel",
    "audit",
    "cases",
    "notifications",
    "meetings",
    "reports",
    "intelligence",
    # After panel: panel's own axes_reset* commands (audited refusals) shadow axes' ones.
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "panel.headers.PermissionsPolicyMiddleware",
    "panel.headers.NoStoreWhenSignedInMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.RequestContextMiddleware",
    # After the audit context, so a timed-out session's logged_out event has its request id.
    "panel.sessions.SessionLimitsMiddleware",
    # After the audit context, so its redirects and 403s carry the request id (panel/mfa.py).
    "panel.mfa.TwoFactorMiddleware",
    "panel.throttling.UnauthenticatedApiMiddleware",
    # Last, so it sees the sign-in view's answer and replaces it with the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves the collected, hashed static files in production; runserver does it locally.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "panel.urls"
WSGI_APPLICATION = "panel.wsgi.application"

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
                "panel.context_processors.navigation",
                "panel.sessions.timeout_context",
            ],
        },
    },
]

# Database: SQLite in the project folder by default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL let the web process and the worker write side by side
    # without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # Persistent connections, checked before reuse: one connection per gunicorn worker
    # process (sync workers, one thread each), per Celery pool process and for beat, kept
    # for CONN_MAX_AGE seconds. Not Django's psycopg pool as well: the pool needs
    # CONN_MAX_AGE = 0, and with one thread a process it would only add idle connections.
    # The count at the defaults (docs: "Database connections"): web 3 + worker 2 + beat 1.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiler off for the app's connections: the scoped lists' plans are
    # costed high enough to set it off, and it then spent most of a count query compiling
    # (1.8 s of 1.9 s at 100,000 cases; README "Performance"). The app's queries are short
    # index reads that JIT never pays back. DATABASE_JIT=on gives the server's own setting.
    if not env.bool("DATABASE_JIT", default=False):
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "panel.User"
# Axes first: it refuses a locked-out username and address before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "panel.auth.PanelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # The common and breached passwords list shipped in the repo, and repeated characters
    # (panel/passwords.py; README "API tokens and passwords").
    {"NAME": "panel.passwords.CommonPasswordValidator"},
    {"NAME": "panel.passwords.RepeatedCharacterValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Sessions: a shared workstation in a school or surgery must not stay signed in for days.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Email: console locally; SMTP via EMAIL_URL in production. Emails never carry a child's
# name or details, only a case reference and a link.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="safeguard-panel@localhost")
# Seconds before a stuck mail server gives up: the email sender holds its claim on the
# rows (a database transaction) while it talks to the server.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Celery. REDIS_URL (or CELERY_BROKER_URL) switches to Redis; without it a real worker and
# beat still run on kombu's filesystem transport under var/celery.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env.str(
        "CELERY_RESULT_BACKEND", default=f"file://{CELERY_FILESYSTEM_DIR / 'results'}"
    )
    # The transport and the result backend need their folders before the first message.
    for _folder in ("queue", "processed", "results", "control"):
        (CELERY_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_BEAT_SCHEDULE_FILE = str(VAR_DIR / "celerybeat-schedule")
# Pool processes per worker, each holding one database connection: explicit, because
# Celery's default is the number of CPUs of whatever machine the worker lands on. Tasks are
# prefetched one at a time (panel/celery.py: worker_prefetch_multiplier=1, acks late).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=2)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Reminders and escalations (notifications/reminders.py): how far ahead a review or an
# action counts as due soon, after how many days an overdue action goes to the
# coordinators, and how often beat runs the scans and the email sender.
REMINDER_REVIEW_DAYS_AHEAD = env.int("REMINDER_REVIEW_DAYS_AHEAD", default=7)
REMINDER_ACTION_DAYS_AHEAD = env.int("REMINDER_ACTION_DAYS_AHEAD", default=3)
ESCALATE_ACTION_OVERDUE_DAYS = env.int("ESCALATE_ACTION_OVERDUE_DAYS", default=7)
REMINDER_SCAN_SECONDS = env.float("REMINDER_SCAN_SECONDS", default=15 * 60.0)
NOTIFICATION_EMAIL_SECONDS = env.float("NOTIFICATION_EMAIL_SECONDS", default=60.0)
# The fixed schedule: beat only triggers scans; what is due is read from the database.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "panel.tasks.record_heartbeat",
        "schedule": env.float("HEARTBEAT_SECONDS", default=60.0),
    },
    "verify-audit-chain-nightly": {
        "task": "audit.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),
    },
    # Reminders and escalations. Scans are cheap (a constant handful of queries) and keyed,
    # so running them often only means a reminder lands within minutes of becoming due
    # (London midnight, or an action added with a close due date). A scan not started
    # before the next one is queued expires instead of piling up behind a stopped worker.
    "scan-reviews": {
        "task": "notifications.tasks.scan_reviews",
        "schedule": REMINDER_SCAN_SECONDS,
        "options": {"expires": REMINDER_SCAN_SECONDS},
    },
    "scan-actions": {
        "task": "notifications.tasks.scan_actions",
        "schedule": REMINDER_SCAN_SECONDS,
        "options": {"expires": REMINDER_SCAN_SECONDS},
    },
    # Mondays 07:00 in Europe/London (the Celery app's time zone), GMT or BST.
    "weekly-digest": {
        "task": "notifications.tasks.weekly_digest",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
    "send-notification-emails": {
        "task": "notifications.tasks.send_notification_emails",
        "schedule": NOTIFICATION_EMAIL_SECONDS,
        "options": {"expires": NOTIFICATION_EMAIL_SECONDS},
    },
    # Emerging patterns (intelligence/patterns.py): each new child's link is checked on
    # commit; the nightly sweep catches anything missed. Keyed: it notifies only what is new.
    "sweep-emerging-patterns": {
        "task": "intelligence.tasks.sweep_patterns",
        "schedule": crontab(hour=3, minute=15),
    },
}

# Risk-based review cadence in days (DOMAIN.md defaults), and how many days before a
# child's 18th birthday they are flagged as turning 18 soon.
REVIEW_CADENCE_DAYS = {
    "high": env.int("REVIEW_CADENCE_HIGH_DAYS", default=14),
    "medium": env.int("REVIEW_CADENCE_MEDIUM_DAYS", default=28),
    "low": env.int("REVIEW_CADENCE_LOW_DAYS", default=42),
}
TURNING_18_SOON_DAYS = env.int("TURNING_18_SOON_DAYS", default=183)
# How many referrals a day a coordinator's triage pages check for a strong match held by
# another area's panel (DESIGN rule 8's one exception). Past it the check is paused, so the
# signal cannot be used to probe whether a child is known elsewhere.
CROSS_AREA_MATCH_SIGNALS_PER_DAY = env.int("CROSS_AREA_MATCH_SIGNALS_PER_DAY", default=20)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated API call gets 401 with a WWW-Authenticate.
        # Knox's tokens are stored hashed and expire (panel.ApiToken, see the end).
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "panel.schema.PanelAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Domain errors (ValidationError, PermissionDenied, Conflict, InvalidTransition, 404)
    # become the same responses everywhere: see panel/api_errors.py.
    "EXCEPTION_HANDLER": "panel.api_errors.exception_handler",
    # Rates: see "Security: lockout and throttling" at the end of this file.
    "DEFAULT_THROTTLE_CLASSES": [
        "panel.throttling.UserRateThrottle",
        "panel.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="1200/hour"),
        "anon": env.str("API_THROTTLE_ANON", default="60/hour"),
        "unauthenticated": env.str("API_THROTTLE_UNAUTHENTICATED", default="30/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguard Panel API",
    "DESCRIPTION": "Case tracker for multi-agency child sexual exploitation (MACE) panels.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from our own static files: the docs work with no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, however many fields use it (and no hashed names).
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "cases.models.RiskLevel",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "ReferralStatusEnum": "cases.models.ReferralStatus",
        "ActionStatusEnum": "cases.models.ActionStatus",
        "YesNoUnknownEnum": "cases.models.YesNoUnknown",
        "OutcomeRouteEnum": "cases.models.ReferralOutcomeRoute",
        "PanelViewEnum": ["panel"],
        "ReferrerViewEnum": ["referrer"],
        "MeetingStatusEnum": "meetings.models.MeetingStatus",
    },
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# --- Security: API tokens and passwords (issue 9) ---
# API tokens (django-rest-knox): each user makes their own under Your account > API tokens.
# Only a SHA-512 digest and a 15-character prefix are stored; the key is shown once.
# A token is refused after its expiry; a password change revokes all the user's tokens.
KNOX_TOKEN_MODEL = "panel.ApiToken"  # noqa: S105 - a model's name, not a secret
# Knox's own migrations create its default token table (knox_authtoken) even when
# KNOX_TOKEN_MODEL replaces it: without them no such unused table is made (Django never
# creates a table for a swapped-out model), and "flush" truncates every real one.
MIGRATION_MODULES = {"knox": None}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
REST_KNOX = {
    # Clients keep sending "Authorization: Token <key>".
    "AUTH_HEADER_PREFIX": "Token",
    # Keys start "sp_" so secret scanners and people can tell what a leaked key is.
    "TOKEN_PREFIX": "sp_",
    # Only used if a token were made without an expiry; panel.accounts always gives one.
    "TOKEN_TTL": dt.timedelta(days=API_TOKEN_DEFAULT_DAYS),
    # Expiry is fixed when the token is made: use does not extend it.
    "AUTO_REFRESH": False,
}

# --- Security: lockout and throttling (issue 9) ---
# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username
# from one address, that pair is refused, even with the right password, until
# SIGN_IN_COOL_OFF_MINUTES pass with no further attempt. Keyed on the pair, so a colleague
# behind the same agency address is not locked out, and someone elsewhere typing a
# coordinator's username cannot lock the coordinator out. Attempts are kept in the database
# (shared by every process); `manage.py unlock_sign_in` and the admin unlock, audited.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
SIGN_IN_COOL_OFF_MINUTES = env.int("SIGN_IN_COOL_OFF_MINUTES", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_COOL_OFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The same client address as the audit trail (X-Forwarded-For only with
# TRUST_X_FORWARDED_FOR), so behind a proxy each client has its own address.
AXES_CLIENT_IP_CALLABLE = "audit.middleware.client_address"
# The sign-in page again, with a message that is the same whether the account exists.
AXES_LOCKOUT_CALLABLE = "panel.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# A successful sign-in clears that username and address's failures.
AXES_RESET_ON_SUCCESS = True
# The audit trail records sign-ins and failures: no second log of every sign-in.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Axes' own admin would let staff delete attempts unaudited: panel/admin.py registers an
# audited one instead.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# A failed sign-in's record keeps the request's query string: ``next`` may be a search
# (/cases/?q=<a child's name>), so its value is masked like the username and address.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "next"]

# API throttling (rates in REST_FRAMEWORK above) counts in the cache. The local-memory
# default is per process: under gunicorn each worker counts alone, so production sets
# REDIS_URL (or CACHE_REDIS_URL) and every process shares one count. Keys are prefixed, so the
# cache can share Celery's Redis database without touching its keys.
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default=REDIS_URL)
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "panel-cache",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security: MFA (issue 9) ---
# Two-factor sign-in (panel/mfa.py): a time-based code (TOTP) from an authenticator app, or
# one of ten single-use recovery codes. Coordinators, auditors and staff must use it; the
# rest may opt in, and must too when MFA_REQUIRED_FOR_ALL is on.
MFA_REQUIRED_FOR_ALL = env.bool("MFA_REQUIRED_FOR_ALL", default=False)
# How long the code step waits after a correct password before the password is asked again.
MFA_PENDING_SECONDS = env.int("MFA_PENDING_SECONDS", default=5 * 60)
MFA_RECOVERY_CODE_COUNT = 10
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Safeguard Panel")
# django-otp's own throttle: after n wrong codes in a row a device refuses every code for
# factor * 2^(n-1) seconds. 0 would turn it off; it must stay on.
OTP_TOTP_THROTTLE_FACTOR = max(1, env.int("OTP_TOTP_THROTTLE_FACTOR", default=1))
OTP_STATIC_THROTTLE_FACTOR = max(1, env.int("OTP_STATIC_THROTTLE_FACTOR", default=1))

# --- Security: sessions and headers (issue 9) ---
# Sessions (ASVS V3): signed out after SESSION_IDLE_TIMEOUT seconds without activity, and
# SESSION_COOKIE_AGE seconds (above, 8 hours) after signing in whatever the activity. Both
# are kept by panel.sessions.SessionLimitsMiddleware from times stored in the session.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
# Seconds before the idle limit that pages warn and offer "Stay signed in".
SESSION_TIMEOUT_WARNING = env.int("SESSION_TIMEOUT_WARNING", default=2 * 60)

# Transport (ASVS V14.4, V9): HTTPS only once DEBUG is off. Behind a proxy that terminates
# TLS and sets X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER above) the redirect still works;
# turn SECURE_SSL_REDIRECT off only when the proxy itself redirects plain HTTP to HTTPS and
# does not pass X-Forwarded-Proto. /healthz is exempt so an internal probe over HTTP works.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Only lets the domain's owner submit it to browsers' preload lists; nothing is sent.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts and styles from our own static files only,
# no inline script or style attribute anywhere (panel.js, htmx's indicator styles in
# panel.css), never framed. The admin and the API docs page (panel.api.ApiDocsView, the
# Swagger UI's split view) meet the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the blank favicon and GOV.UK Frontend's and Swagger UI's inline images.
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Features no page uses, switched off for the page and anything it could embed.
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default=(
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
        "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
    ),
)

# /healthz: the status alone for anyone; its details (database, broker, worker) for signed-in
# staff or a request with "Authorization: Bearer <HEALTHZ_TOKEN>". Empty = no token works.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")

# --- Security: audit trail (issue 9) ---
# Keyed, anchored, lock-free audit trail (audit/sealing.py, README "Tamper-evident audit
# trail"). The HMAC keys that seal checkpoints: "key_id:base64key" pairs, comma separated,
# the first the current one, older ones kept so checkpoints sealed with them still verify.
# With DEBUG on a documented development key is the default; with DEBUG off it is refused.
from audit.keys import INSECURE_DEV_AUDIT_HMAC_KEYS, check_audit_hmac_keys  # noqa: E402

AUDIT_HMAC_KEYS = env.str("AUDIT_HMAC_KEYS", default=INSECURE_DEV_AUDIT_HMAC_KEYS if DEBUG else "")
check_audit_hmac_keys(AUDIT_HMAC_KEYS, debug=DEBUG)
# Seconds between seals; an event unsealed for longer than AUDIT_MAX_UNSEALED_SECONDS is
# reported by verify_audit (a stopped sealer, or an event inserted with an old time).
AUDIT_SEAL_SECONDS = env.float("AUDIT_SEAL_SECONDS", default=5.0)
AUDIT_MAX_UNSEALED_SECONDS = env.int("AUDIT_MAX_UNSEALED_SECONDS", default=15 * 60)
# The latest checkpoint, written outside the database after each seal: a file (empty to
# switch off) and an INFO line on the "audit.anchor" logger. verify_audit checks the file.
AUDIT_ANCHOR_FILE = env.str("AUDIT_ANCHOR_FILE", default=str(VAR_DIR / "audit-anchor.json"))
AUDIT_ANCHOR_LOG = env.bool("AUDIT_ANCHOR_LOG", default=True)
CELERY_BEAT_SCHEDULE["seal-audit-trail"] = {
    "task": "audit.tasks.seal_audit",
    "schedule": AUDIT_SEAL_SECONDS,
    "options": {"expires": AUDIT_SEAL_SECONDS},
}

# --- Security: database roles (issue 9) ---
# DATABASE_URL is the application's role. DATABASE_OWNER_URL, when set, is the role that
# owns the schema and runs migrations (the "owner" alias: `manage.py migrate` uses it by
# default); the app's own role then only reads and appends the audit trail and owns nothing
# (panel/db_roles.py, `manage.py create_db_roles`). Unset: one role for everything, as on
# SQLite. It is read into DATABASES only, never kept as a setting of its own (a password).
DATABASE_APP_ROLE = ""
if _owner_url := env.str("DATABASE_OWNER_URL", default=""):
    _owner = environ.Env.db_url_config(_owner_url)
    _default = DATABASES["default"]
    _same = ("ENGINE", "NAME", "HOST", "PORT")
    if [str(_owner.get(k) or "") for k in _same] != [str(_default.get(k) or "") for k in _same]:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL must name the same database (engine, host, port and name) "
            "as DATABASE_URL, with the owner's user and password."
        )
    # Migrations only: a connection closed after each use, checked before reuse.
    DATABASES["owner"] = {**_owner, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": True}
    if _default.get("USER") and _default.get("USER") != _owner.get("USER"):
        DATABASE_APP_ROLE = _default["USER"]

# --- Case page (issue 11) ---
# The case page shows this many of the most recent chronology entries; "Show earlier
# entries" loads as many again before them.
CASE_CHRONOLOGY_PAGE_SIZE = env.int("CASE_CHRONOLOGY_PAGE_SIZE", default=50)
# The risk history table shows this many of the most recent assessments (all of them are
# in the chronology).
CASE_ASSESSMENTS_SHOWN = env.int("CASE_ASSESSMENTS_SHOWN", default=10)

# --- Panel meetings (issue 10) ---
# The agenda is published (locked) this many days before the meeting; after that an item is
# added only with a reason and marked late.
MEETING_PUBLISH_DAYS_BEFORE = env.int("MEETING_PUBLISH_DAYS_BEFORE", default=5)
# The research list closes when the minutes are approved or this many days after the
# meeting, whichever comes first.
MEETING_RESEARCH_DAYS_AFTER = env.int("MEETING_RESEARCH_DAYS_AFTER", default=14)
# Meeting packs (and minutes PDFs) are deleted this many days after the meeting.
MEETING_PACK_EXPIRY_DAYS = env.int("MEETING_PACK_EXPIRY_DAYS", default=30)
# Agency kinds that must be present for a quorate meeting, for an area without its own
# quorum rows (meetings.QuorumKind).
MEETING_DEFAULT_QUORUM = env.list(
    "MEETING_DEFAULT_QUORUM", default=["police", "social_care", "health", "education"]
)
# Read out at the start of every meeting and printed on every pack's cover.
MEETING_CONFIDENTIALITY_STATEMENT = env.str(
    "MEETING_CONFIDENTIALITY_STATEMENT",
    default=(
        "The information shared at this meeting is confidential and is shared to safeguard "
        "children. It must not be passed on beyond what is needed to protect a child, and "
        "never outside the agencies present without the chair's agreement. Records are held "
        "as OFFICIAL-SENSITIVE."
    ),
)
# How long a meeting is booked for in the calendar file (.ics) members download.
MEETING_CALENDAR_MINUTES = env.int("MEETING_CALENDAR_MINUTES", default=120)
# The API schema names a panel decision's kind apart from an agency's kind (hearing).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["DecisionKindEnum"] = "meetings.models.DecisionKind"
# The agenda API's choice sets by name ("kind" is also an agency's and a guest's field).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "AgendaItemKindEnum": "meetings.models.AgendaItemKind",
        "AgendaReasonEnum": "meetings.models.AgendaReason",
        "AgendaItemStatusEnum": "meetings.models.AgendaItemStatus",
    }
)
# The research list's outcome (held / nothing held) shares its field name with other
# choice sets in the API schema: one name for it.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ResearchOutcomeEnum"] = (
    "meetings.models.ResearchOutcome"
)
# Generated files (meeting packs, minutes PDFs) are saved through Django's storage API
# (STORAGES["default"]): a FileSystemStorage in MEDIA_ROOT, under var/ unless set, which
# every web and worker node must share (a shared volume), or S3-compatible storage in
# production (django-storages). MEDIA_URL is left unset: no generated file is ever served
# as a static URL, only by the download views that scope, stamp and audit each copy.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "files")
# Beat deletes the stored files of packs and minutes PDFs past their expiry, once a day
# (03:15 Europe/London); the database says which.
CELERY_BEAT_SCHEDULE["expire-meeting-documents"] = {
    "task": "meetings.tasks.expire_documents",
    "schedule": crontab(hour=3, minute=15),
}
# A member's attendance as read (every state) and as recorded (no "expected"): two names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "AttendanceEnum": "meetings.models.AttendanceStatus",
        "RecordedAttendanceEnum": [
            ("present", "Present"),
            ("apologies", "Apologies"),
            ("sent_information", "Sent information only"),
            ("absent", "Absent"),
        ],
    }
)
# Each morning: coordinators are told of meetings whose agenda is due to be published
# (meetings/reminders.py; keyed, so once per meeting and date).
CELERY_BEAT_SCHEDULE["remind-agenda-due"] = {
    "task": "meetings.tasks.remind_agenda_due",
    "schedule": crontab(hour=7, minute=0),
}

# --- Partnership report exports (issue 12) ---
# Exports (CSV, XLSX, PDF) leave the panel: counts from 1 to this - 1 are shown as [c],
# with secondary suppression (reports/suppression.py). 0 or 1 turns suppression off. On
# screen, for the panel, figures stay exact.
REPORT_SUPPRESS_BELOW = env.int("REPORT_SUPPRESS_BELOW", default=5)

# Persons of concern are criminal offence data: once no longer of concern, a person's record
# is kept this many years and then reviewed for deletion (a retention date on each record).
INTELLIGENCE_RETENTION_YEARS = env.int("INTELLIGENCE_RETENTION_YEARS", default=6)
# A new person of concern is reviewed within this many days (their review date), and again
# after each review.
INTELLIGENCE_REVIEW_DAYS = env.int("INTELLIGENCE_REVIEW_DAYS", default=180)
# Each morning (Europe/London): coordinators are told of persons of concern due for review
# (keyed per person and review date), and persons no longer of concern whose retention date
# has passed are erased, one transaction each (intelligence/tasks.py).
CELERY_BEAT_SCHEDULE["intelligence-reviews-due"] = {
    "task": "intelligence.tasks.notify_intelligence_reviews",
    "schedule": crontab(hour=6, minute=45),
}
CELERY_BEAT_SCHEDULE["intelligence-retention"] = {
    "task": "intelligence.tasks.erase_expired_persons",
    "schedule": crontab(hour=3, minute=15),
}
# Report exports (XLSX and PDF, made in Celery) are stored like meeting packs (MEDIA_ROOT,
# the storage API) and deleted this many days after they are made.
REPORT_EXPORT_EXPIRY_DAYS = env.int("REPORT_EXPORT_EXPIRY_DAYS", default=7)
# Hourly, beat deletes the files of report exports past their expiry (the database says
# which).
CELERY_BEAT_SCHEDULE["expire-report-exports"] = {
    "task": "reports.tasks.expire_exports",
    "schedule": crontab(minute=40),
}

# Intelligence records' choice sets in the API schema share field names ("status", "kind")
# with others: one name each (intelligence/api/records.py).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "PersonStatusEnum": "intelligence.models.PersonStatus",
        "LocationKindEnum": "intelligence.models.LocationKind",
        "IdentifierKindEnum": "intelligence.models.IdentifierKind",
        "MergeKindEnum": "intelligence.models.MergeKind",
    }
)
# intelligence: disruption. Its "kind" is one more choice set of that name.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["DisruptionKindEnum"] = (
    "intelligence.models.DisruptionKind"
)
