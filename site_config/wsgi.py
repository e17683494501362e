from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
application = get_wsgi_application()
# What loading the site made lives as long as the process: out of the collector's way,
# so a full collection during a request walks only what requests made.
gc.collect()
gc.freeze()
