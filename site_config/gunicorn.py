"""gunicorn settings for production: `gunicorn -c site_config/gunicorn.py site_config.wsgi`."""

from __future__ import annotations

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# Chosen by `make bench` (README "Performance"): sync workers, cores + 1 of them, gave
# the steadiest figures on 2 cores. gthread spread keep-alive connections unevenly over
# its processes, so its throughput swung from run to run. WEB_THREADS above 1 makes
# gunicorn switch to gthread. Run it behind a buffering proxy (compose's nginx).
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = "-" if os.environ.get("ACCESS_LOG", "true").lower() in {"1", "true", "yes"} else None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
