"""Settings for the test suite: production settings with test-only secrets,
a fast password hasher (the default costs ~0.33 s a hash here) and static files
served from the finders instead of a collected manifest."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-not-for-any-deployment-0123456789abcdef")
os.environ.setdefault("JIGAI_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from jigai.settings import *  # noqa: E402,F403
from jigai.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
