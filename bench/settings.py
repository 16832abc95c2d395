"""Settings for the benchmark's server only (bench/run.py starts gunicorn with them).

Production's settings, plus the bench-only URLconf that mounts the bench-only admin site
(bench/urls.py, bench/admin_site.py) for the admin-changelist baseline. Nothing in
production imports this module: ``panel.urls`` never mounts ``bench-admin/``
(tests/panel/test_admin_scope.py checks it).

The API's per-user throttle is lifted: the runner sends thousands of requests an hour as one
user, which the production rate (1,200/hour) would answer with 429s that say nothing about
speed. Static files are stored without WhiteNoise's compressed copies (below). Everything
else (DEBUG off, middleware, sessions, audit) is production's.
"""

from panel.settings import *  # noqa: F403
from panel.settings import REST_FRAMEWORK, STORAGES

ROOT_URLCONF = "bench.urls"

# The same hashed file names as production, without WhiteNoise's compressed copies: the
# runner collects the static files before each run (in CI too), and compressing them all
# takes minutes on this machine. Pages reference the same names; no static file is timed.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "user": "10000000/hour",
    },
}
