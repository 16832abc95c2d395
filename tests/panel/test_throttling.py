"""API throttling: signed-in users past their rate get 429 with Retry-After; failed
authentication (no token, a wrong or expired one) is limited per client address before any
token is looked at; counts live in the cache, which is Redis when REDIS_URL is set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from tests.factories import coordinator

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HERE = "192.0.2.20"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **rates,
            },
        }

    return set_rates


def test_defaults_no_normal_user_reaches():
    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "user": "1200/hour",
        "anon": "60/hour",
        "unauthenticated": "30/hour",
    }


def test_a_signed_in_user_past_the_rate_gets_429_with_retry_after(rates):
    rates(user="3/minute")
    api = APIClient(REMOTE_ADDR=HERE)
    api.force_authenticate(coordinator())

    statuses = [api.get("/api/v1/me/").status_code for _ in range(4)]
    refused = api.get("/api/v1/me/")

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert set(refused.json()) == {"detail"}
    assert "throttled" in refused.json()["detail"]


def test_each_user_has_their_own_count(rates):
    rates(user="2/minute")
    first, second = APIClient(REMOTE_ADDR=HERE), APIClient(REMOTE_ADDR=HERE)
    first.force_authenticate(coordinator())
    second.force_authenticate(coordinator())
    for _ in range(2):
        first.get("/api/v1/me/")

    assert first.get("/api/v1/me/").status_code == 429
    assert second.get("/api/v1/me/").status_code == 200


def test_bad_tokens_from_one_address_are_refused_before_any_token_is_looked_at(
    rates, django_assert_num_queries
):
    rates(unauthenticated="3/hour")
    attacker = APIClient(REMOTE_ADDR=HERE, HTTP_AUTHORIZATION="Token not-a-real-token")

    statuses = [attacker.get("/api/v1/cases/").status_code for _ in range(3)]
    with django_assert_num_queries(0):
        refused = attacker.get("/api/v1/cases/")

    assert statuses == [401, 401, 401]
    assert refused.status_code == 429
    assert 3000 < int(refused["Retry-After"]) <= 3600
    assert set(refused.json()) == {"detail"}
    # Another address is not affected.
    other = APIClient(REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert other.get("/api/v1/cases/").status_code == 401


def test_calls_with_no_credentials_count_too(rates):
    rates(unauthenticated="2/hour")
    anonymous = APIClient(REMOTE_ADDR=HERE)

    assert [anonymous.get("/api/v1/me/").status_code for _ in range(3)] == [401, 401, 429]


def test_a_signed_in_session_at_a_refused_address_still_works(client, rates):
    rates(unauthenticated="1/hour")
    APIClient(REMOTE_ADDR=HERE).get("/api/v1/me/")
    client.force_login(coordinator())

    assert client.get("/api/v1/me/", REMOTE_ADDR=HERE).status_code == 200


def test_a_forged_forwarded_for_does_not_start_a_fresh_count(rates):
    rates(unauthenticated="2/hour")
    statuses = [
        APIClient(REMOTE_ADDR=HERE, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .get("/api/v1/me/")
        .status_code
        for n in range(3)
    ]

    assert statuses == [401, 401, 429]


def test_behind_a_trusted_proxy_each_client_address_counts_alone(rates, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    rates(unauthenticated="1/hour")
    proxy = "10.0.0.1"
    first = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.1")
    second = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert [first.get("/api/v1/me/").status_code for _ in range(2)] == [401, 429]
    assert second.get("/api/v1/me/").status_code == 401


def test_web_pages_are_not_throttled_by_the_api_limits(client, rates):
    rates(unauthenticated="1/hour", anon="1/hour")
    for _ in range(3):
        APIClient(REMOTE_ADDR=HERE).get("/api/v1/me/")

    assert client.get("/sign-in/", REMOTE_ADDR=HERE).status_code == 200


@pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache),
    reason="the run's cache is not Redis (no REDIS_URL)",
)
def test_with_redis_every_process_shares_the_count(rates):
    """A second connection to the same Redis (as another gunicorn worker has) sees the
    count the first made, and refuses past the rate."""
    rates(user="2/minute")
    api = APIClient(REMOTE_ADDR=HERE)
    user = coordinator()
    api.force_authenticate(user)
    for _ in range(2):
        assert api.get("/api/v1/me/").status_code == 200

    options = django_settings.CACHES["default"]
    other_worker = RedisCache(options["LOCATION"], {"KEY_PREFIX": options["KEY_PREFIX"]})
    assert len(other_worker.get(f"throttle_user_{user.pk}")) == 2
    assert api.get("/api/v1/me/").status_code == 429


def _cache_settings(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_REDIS_URL"}}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "c = settings.CACHES['default']; "
            "print(c['BACKEND'], c.get('LOCATION', '-'), c.get('KEY_PREFIX', '-'))",
        ],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "panel.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_redis_url_makes_the_cache_redis_with_its_own_key_prefix():
    assert _cache_settings(REDIS_URL="redis://cache.example:6379/0") == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.example:6379/0",
        "panel-cache",
    ]


def test_cache_redis_url_puts_the_cache_in_its_own_database():
    assert _cache_settings(
        REDIS_URL="redis://cache.example:6379/0", CACHE_REDIS_URL="redis://cache.example:6379/1"
    )[:2] == ["django.core.cache.backends.redis.RedisCache", "redis://cache.example:6379/1"]


def test_without_redis_the_cache_is_local_memory():
    assert _cache_settings()[0] == "django.core.cache.backends.locmem.LocMemCache"
