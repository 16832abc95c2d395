"""Panel meeting pages. Each part of the meeting has its own views module and URLs."""

from meetings.views import agenda, attendance, documents, hearing, meetings, minutes, research

app_name = "meetings"

urlpatterns = [
    *meetings.urlpatterns,
    *agenda.urlpatterns,
    *research.urlpatterns,
    *attendance.urlpatterns,
    *hearing.urlpatterns,
    *minutes.urlpatterns,
    *documents.urlpatterns,
]
