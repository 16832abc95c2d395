"""Intelligence pages. Each part has its own views module with its own urlpatterns.

Paths are absolute from the site root (this module is included at ""), so pages about a
case's child (missing episodes, the case's links) sit under /cases/<pk>/ and the records
themselves under /intelligence/."""

from intelligence.views import chart, disruption, links, missing, patterns, records

app_name = "intelligence"

urlpatterns: list = [
    *records.urlpatterns,
    *links.urlpatterns,
    *chart.urlpatterns,
    *patterns.urlpatterns,
    *disruption.urlpatterns,
    *missing.urlpatterns,
]
