"""gunicorn settings for the production web process (docs/deploy.md).

    gunicorn -c aybiza/gunicorn.conf.py aybiza.wsgi     (or: ./dev serve)

Everything can be overridden from the environment: AYBIZA_DB_CONN_MAX_AGE (seconds a worker keeps
its database connection, default 60), AYBIZA_ADDR (bind
address, default 0.0.0.0:8000), WEB_CONCURRENCY (worker processes, default
2 x cores + 1), AYBIZA_WEB_THREADS (threads per worker), AYBIZA_FORWARDED_ALLOW_IPS
(proxies whose X-Forwarded-* headers gunicorn believes).
"""

import gc
import multiprocessing
import os

from django.urls import get_resolver

# Workers keep their database connection between requests (settings.py reads it when a worker loads the app).
os.environ.setdefault("AYBIZA_DB_CONN_MAX_AGE", "60")

bind = os.environ.get("AYBIZA_ADDR", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("AYBIZA_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("AYBIZA_WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory growth), not all at once.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("AYBIZA_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("AYBIZA_LOG_LEVEL", "info").lower()
# Workers import the app themselves: each opens its own database connections after the fork.
preload_app = False
# gunicorn 25+: no control socket in the home directory (nothing uses it; older versions ignore this).
control_socket_disable = True


def post_worker_init(worker):
    """Load the URLconf (every view, serializer and model) now, then freeze what start-up allocated.

    The garbage collector never walks those long-lived objects again: a full collection of them
    costs tens of milliseconds, paid by whichever request happened to trigger it.
    """
    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
    gc.freeze()
