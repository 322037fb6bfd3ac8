"""Production server settings: `gunicorn -c deploy/gunicorn.conf.py 'campaign:create_app()'`.

Residents' visits must not be traceable: the access log never records client addresses (no
%(h)s, no X-Forwarded-For), and the app itself only ever sees a keyed hash of the address for
rate limiting.
"""

import multiprocessing
import os

bind = os.environ.get("CAMPAIGN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CAMPAIGN_WEB_WORKERS", max(2, multiprocessing.cpu_count() * 2)))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
# Time, request line without the query string, status, size, duration. No client address.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
# Only a proxy on this machine may say the request came over HTTPS.
forwarded_allow_ips = os.environ.get("CAMPAIGN_TRUSTED_PROXY", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
