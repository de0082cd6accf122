"""The WSGI application of `manage.py benchmark_http`: the project with aybiza/platform/benchmark_urls.py.

    gunicorn -c aybiza/gunicorn.conf.py aybiza.platform.benchmark_wsgi   (the benchmark does this, on 127.0.0.1)
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aybiza.settings")
application = get_wsgi_application()
settings.ROOT_URLCONF = "aybiza.platform.benchmark_urls"
