"""Settings come from the environment; a production instance will not start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import panel.settings as project_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k9Qm2vX7pL4sT8wZ1bN6cR3yH5jF0dG-aE_uI2oP7qW9eR4tY6uI8oP1aS3dF5gH"
# A made-up audit HMAC key (32 bytes, base64) for the production-configuration starts.
AUDIT_KEYS = "k1:dGVzdC1vbmx5LWF1ZGl0LWtleS1vZi0zMi1ieXRlcyEh"


def start_django(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "AUDIT_HMAC_KEYS"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="panel.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_without_a_secret_key_or_hosts_refuses_to_start_and_says_why():
    result = start_django(DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_debug_off_with_the_development_key_refuses_to_start():
    result = start_django(
        DEBUG="0",
        SECRET_KEY=project_settings.INSECURE_DEV_SECRET_KEY,
        ALLOWED_HOSTS="panel.example",
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "ALLOWED_HOSTS must list" not in result.stderr


def test_debug_off_without_hosts_refuses_to_start():
    result = start_django(DEBUG="0", SECRET_KEY=GOOD_KEY)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_debug_off_with_a_real_key_and_hosts_starts():
    result = start_django(
        DEBUG="0", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="panel.example", AUDIT_HMAC_KEYS=AUDIT_KEYS
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_debug_off_without_an_audit_key_or_with_the_development_one_refuses_to_start():
    from audit.keys import INSECURE_DEV_AUDIT_HMAC_KEYS

    for keys in ("", INSECURE_DEV_AUDIT_HMAC_KEYS):
        result = start_django(
            DEBUG="0", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="panel.example", AUDIT_HMAC_KEYS=keys
        )

        assert result.returncode != 0
        assert "AUDIT_HMAC_KEYS" in result.stderr


def test_with_nothing_set_debug_is_on_and_the_app_starts():
    result = start_django()

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("", False),
        ("short", False),
        ("django-insecure-" + "x" * 60, False),
        ("a" * 60, False),
        (GOOD_KEY, True),
    ],
)
def test_the_secret_key_rule(key, ok):
    from django.core.exceptions import ImproperlyConfigured

    check = project_settings.check_production_settings
    if ok:
        check(debug=False, secret_key=key, allowed_hosts=["panel.example"])
    else:
        with pytest.raises(ImproperlyConfigured):
            check(debug=False, secret_key=key, allowed_hosts=["panel.example"])


def test_time_zone_and_password_hashing():
    assert project_settings.TIME_ZONE == "Europe/London"
    assert project_settings.USE_TZ is True
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_database_url_switches_to_postgresql():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"},
            "DJANGO_SETTINGS_MODULE": "panel.settings",
            "DATABASE_URL": "postgres://someone@db.example:5432/panel",
            "REDIS_URL": "redis://cache.example:6379/0",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://cache.example:6379/0",
    ]


def test_with_no_database_or_broker_set_it_uses_sqlite_and_the_filesystem_broker(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'], "
            "settings.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "panel.settings", "PANEL_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    engine, name, broker = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(ROOT / "db.sqlite3")
    assert broker == "filesystem://"
    assert (tmp_path / "celery" / "queue").is_dir()
