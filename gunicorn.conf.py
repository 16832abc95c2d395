"""gunicorn's settings for Safeguard Panel, read by gunicorn from the directory it starts in
(the image's /app, the checkout for bench/run.py); the command line adds the rest.

The access log names the path, never the query string nor the Referer: ``?q=`` on the case
list and the API is a child's name or date of birth typed into a search (cases.search),
and the Referer of the next page would repeat it. The request id (also on the audit trail's
events) ties a line to what the panel recorded.
"""

access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
)
