"""The benchmark server's URLconf: production's URLs plus ``bench-admin/``, the bench-only
admin site whose Case changelist is the runner's admin baseline. Used only by
bench/settings.py; ``panel.urls`` never includes it."""

from django.urls import path

from bench.admin_site import bench_admin
from panel import urls as production

handler403 = production.handler403
handler404 = production.handler404

urlpatterns = [
    *production.urlpatterns,
    path("bench-admin/", bench_admin.urls),
]
