"""Settings for the test suite: production settings with test-only secrets,
a fast password hasher (the default costs ~0.33 s a hash here) and static files
served from the finders instead of a collected manifest."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-key-not-for-any-deployment-0123456789abcdef")
os.environ.setdefault("JIGAI_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("AUDIT_HMAC_KEY", "test-only-audit-key-not-for-any-deployment-0123456789")

from jigai.settings import *  # noqa: E402,F403
from jigai.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Tasks run at once in the test process unless a test asks for the database backend;
# uploaded files go to a temporary folder, never the working tree's data/.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="jigai-files-")
# Anchors of the audit chain and backups likewise.
AUDIT_ANCHOR_DIR = Path(tempfile.mkdtemp(prefix="jigai-anchors-"))
BACKUP_DIR = Path(tempfile.mkdtemp(prefix="jigai-backups-"))

# Pages' cached figures are keyed by the audit trail's head (jigai.audit.stamp); a test's
# rolled-back transaction reuses the same head with other data, so the suite does not cache
# (tests/platform/test_stamp.py turns a cache on to test it).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# Commands run in the test process: it keeps its priority.
JOBS_NICE = 0

# The demo programme is 2023 and some tests pay "today": the payment period reaches far enough
# (tests of the period itself set PAYMENT_GRACE_YEARS explicitly).
PAYMENT_GRACE_YEARS = 50
