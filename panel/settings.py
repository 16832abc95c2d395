"""Settings for Safeguard Panel: one module, every deploy-time value from the environment.

With no variables set the app runs locally: DEBUG on, SQLite in the project folder and
Celery on kombu's filesystem transport under ``var/``. ``.env.example`` lists every
variable. With DEBUG off the app refuses to start without a real SECRET_KEY and
ALLOWED_HOSTS.
"""

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "panel",
    "audit",
    "cases",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.RequestContextMiddleware",
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
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "panel.User"
AUTHENTICATION_BACKENDS = ["panel.auth.PanelBackend"]
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
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
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
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)

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
        "rest_framework.authentication.TokenAuthentication",
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
