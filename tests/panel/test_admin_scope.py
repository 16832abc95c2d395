"""No case data is reachable through the real admin (issue 11): the only models of the
case-data apps registered on ``django.contrib.admin.site`` are the reference data registered
on purpose, and the bench-only admin (bench/admin_site.py, which does list cases) is mounted
by the benchmark's URLconf only, never by production's."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

# Reference data, deliberately registered (read-only or audited): cases/admin.py,
# meetings/admin.py and intelligence/admin.py. A new entry here needs a reason.
REFERENCE_DATA = {
    "cases.RiskTool",  # the risk tools' versions, read-only
    "meetings.QuorumKind",  # each area's quorum: which agency kinds must be present
    # Which agencies' leads see an area's intelligence: added and revoked, never edited
    "intelligence.IntelligenceGrant",
}
CASE_DATA_APPS = ["cases", "meetings", "audit", "notifications", "intelligence"]


def registered_labels() -> set[str]:
    return {f"{model._meta.app_label}.{model.__name__}" for model in admin.site._registry}


def test_no_model_of_the_case_data_apps_is_in_the_real_admin_but_reference_data():
    registered = registered_labels()
    case_models = {
        f"{model._meta.app_label}.{model.__name__}"
        for app in CASE_DATA_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }

    assert registered & case_models == REFERENCE_DATA


def test_the_allow_list_names_real_registered_models():
    # So the allow-list cannot go stale and quietly allow nothing.
    assert registered_labels() >= REFERENCE_DATA


def test_the_bench_admin_is_not_mounted_by_production_urls():
    with pytest.raises(Resolver404):
        resolve("/bench-admin/", urlconf="panel.urls")
    with pytest.raises(Resolver404):
        resolve("/bench-admin/cases/case/", urlconf="panel.urls")
    with pytest.raises(NoReverseMatch):
        reverse("bench_admin:cases_case_changelist", urlconf="panel.urls")


def test_production_settings_use_production_urls(settings):
    assert settings.ROOT_URLCONF == "panel.urls"


def test_the_bench_urls_add_only_the_bench_admin():
    from bench import urls as bench_urls
    from panel import urls as production

    added = bench_urls.urlpatterns[len(production.urlpatterns) :]
    assert bench_urls.urlpatterns[: len(production.urlpatterns)] == production.urlpatterns
    assert [str(p.pattern) for p in added] == ["bench-admin/"]
    assert resolve("/bench-admin/cases/case/", urlconf="bench.urls").url_name == (
        "cases_case_changelist"
    )
