import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")
django.setup()
import sys
from django.db import connection
from panel.dates import london_today
from panel.models import Area
from reports import partnership as p
from reports.periods import financial_quarter, previous_period
from django.test.utils import CaptureQueriesContext
areas = list(Area.objects.order_by("name"))
period = financial_quarter(london_today()); prev = previous_period(period)
fn = getattr(p, sys.argv[1])
with CaptureQueriesContext(connection) as ctx:
    fn(areas, period, prev)
for q in ctx.captured_queries:
    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
        print("\n".join(r[0] for r in c.fetchall()))
