import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from jigai.core.proxy import TrustedProxy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigai.settings")
application = TrustedProxy(get_wsgi_application(), settings.TRUSTED_PROXIES)
