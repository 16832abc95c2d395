"""The runner's catalogue (bench/pages.py) covers every named URL of the web and the API:
a new route fails here until it is catalogued or excluded with a reason."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bench import pages


def named_urls(patterns=None, namespace=()):
    patterns = get_resolver("panel.urls").url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespace, pattern.name))


def test_every_named_url_is_catalogued_or_excluded_with_a_reason():
    catalogued = {page.url_name for page in pages.PAGES}
    missing = sorted(
        name
        for name in set(named_urls())
        if name not in catalogued
        and name not in pages.EXCLUDED
        and name.split(":")[0] not in pages.EXCLUDED_NAMESPACES
    )

    assert missing == [], f"add these to bench/pages.py (PAGES or EXCLUDED): {missing}"


def test_nothing_is_both_catalogued_and_excluded_and_every_exclusion_exists():
    catalogued = {page.url_name for page in pages.PAGES}
    names = set(named_urls())

    assert catalogued & set(pages.EXCLUDED) == set()
    assert set(pages.EXCLUDED) - names == set(), "stale exclusions"
    assert catalogued - names == set(), "catalogued URL names that do not exist"
    assert all(reason.strip() for reason in pages.EXCLUDED.values())


def test_every_list_and_detail_route_of_the_api_is_catalogued():
    api = {name for name in named_urls() if name.startswith("v1:")}
    lists_and_details = {n for n in api if n.endswith(("-list", "-detail"))}

    assert lists_and_details <= {page.url_name for page in pages.PAGES}


def test_every_page_names_known_roles_and_reverses_with_its_finder_arguments():
    for page in pages.PAGES:
        assert page.roles, page.label
        assert set(page.roles) <= set(pages.ROLES), page.label
        if page.find is None:
            reverse(page.url_name)


def test_rows_are_unique_per_label_and_role():
    seen = [(page.label, role) for page in pages.PAGES for role in page.roles]

    assert len(seen) == len(set(seen))
