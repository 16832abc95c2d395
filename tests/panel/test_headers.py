"""Headers and configuration (issue 9, point 14; ASVS V14): Content-Security-Policy,
HSTS and HTTPS in production, Permissions-Policy, Cross-Origin-Opener-Policy, and a
production configuration that ``check --deploy`` finds nothing wrong with."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import UserFactory, coordinator, referrer
from tests.panel.test_settings import AUDIT_KEYS, GOOD_KEY

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "panel.example",
    # A production start refuses the development audit key (audit/keys.py).
    "AUDIT_HMAC_KEYS": AUDIT_KEYS,
}


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Python with Django set up in a fresh process, under exactly this environment."""
    # Not DJANGO_ALLOW_ASYNC_UNSAFE either: the browser tests set it for this process, and
    # check --deploy rightly refuses it (async.E001).
    dropped = {*PRODUCTION, "DATABASE_URL", "DATABASE_OWNER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env, DJANGO_SETTINGS_MODULE="panel.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


# --- production configuration --------------------------------------------------------------


def test_check_deploy_finds_nothing_in_production_configuration():
    result = run_django(
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_the_ssl_redirect_is_switched_off():
    """The switch for a proxy that redirects by itself is there, and check --deploy says so."""
    result = run_django(
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        **PRODUCTION,
        SECURE_SSL_REDIRECT="0",
    )

    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_production_defaults_are_https_only():
    result = run_django(
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER]))",
        **PRODUCTION,
    )

    redirect, hsts, subdomains, session_secure, csrf_secure, proxy = json.loads(result.stdout)
    assert redirect is True
    assert hsts == 365 * 24 * 60 * 60
    assert subdomains is True
    assert session_secure is True and csrf_secure is True
    assert proxy == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_local_development_stays_on_plain_http():
    result = run_django(
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )

    assert result.stdout.split() == ["False", "0"]


@pytest.mark.django_db
def test_with_the_redirect_on_plain_http_goes_to_https_but_the_health_probe_does_not(
    client, settings
):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    page = client.get("/sign-in/")
    probe = client.get("/healthz")
    over_tls = client.get("/sign-in/", secure=True)

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/sign-in/"
    assert probe.status_code == 200
    assert over_tls.status_code == 200
    assert over_tls["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# --- headers on every response ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sign-in/", "/", "/api/docs/", "/admin/login/", "/api/v1/me/"])
def test_every_response_carries_the_security_headers(client, path):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(path)

    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    features = dict(part.strip().split("=") for part in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- nothing inline for the policy to refuse -------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def test_no_template_has_inline_script_style_or_event_handlers():
    problems = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        # Template comments may name what they avoid.
        text = re.sub(r"\{#.*?#\}", "", template.read_text())
        for name, pattern in [
            ("inline <script>", INLINE_SCRIPT),
            ("on* handler", INLINE_HANDLER),
            ("style= attribute", STYLE_ATTRIBUTE),
            ("<style> element", STYLE_ELEMENT),
        ]:
            if pattern.search(text):
                problems.append(f"{template.relative_to(ROOT)}: {name}")

    assert not problems


@pytest.mark.django_db
def test_pages_ask_htmx_not_to_inject_its_indicator_styles(client):
    client.force_login(referrer())

    page = client.get("/referrals/new/").content.decode()

    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in page
    assert not INLINE_SCRIPT.search(page)
    assert not STYLE_ATTRIBUTE.search(page)


@pytest.mark.django_db
def test_the_api_docs_page_has_no_inline_script_or_style(client):
    client.force_login(coordinator())

    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert not INLINE_SCRIPT.search(page)
    assert not STYLE_ELEMENT.search(page)
    assert '<script src="/api/docs/?script="></script>' in page
    assert script["Content-Type"] == "application/javascript"
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.django_db
def test_the_server_error_page_has_no_inline_style(client, settings):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")

    assert not STYLE_ATTRIBUTE.search(page)
    assert "css/error.css" in page


@pytest.mark.django_db
def test_signed_in_pages_are_never_stored_by_the_browser(client):
    """Found by a practitioner walk-through: a child's page stayed in Chromium's disk cache
    after sign-out. Signed in, every response (pages and the API) says no-store."""
    from tests.factories import make_case

    case = make_case()
    client.force_login(coordinator(case.area))

    for path in ["/", f"/children/{case.child_id}/", f"/cases/{case.pk}/", "/cases/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path
    api = client.get("/api/v1/cases/")
    assert "no-store" in api["Cache-Control"]
