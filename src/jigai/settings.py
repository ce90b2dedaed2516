"""Django settings for jigai, read from environment variables.

Production-safe by default: DEBUG off, secure cookies, HSTS, a SECRET_KEY that
must be given. The quick-start script sets the few variables a laptop demo
needs (DEBUG stays off; cookies are allowed over plain http on localhost).

Variables: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, DEBUG, JIGAI_DATA_DIR,
JIGAI_HTTPS (secure cookies/redirect), TRUSTED_PROXIES, SESSION_IDLE_MINUTES, LOCKOUT_FAILURES,
LOCKOUT_MINUTES, CSRF_TRUSTED_ORIGINS, TASKS_BACKEND, JOBS_STALE_SECONDS, JIGAI_FILES_DIR,
AUDIT_HMAC_KEY, AUDIT_HMAC_KEY_FILE, AUDIT_ANCHOR_DIR, AUDIT_RETENTION_DAYS, JIGAI_BACKUP_DIR,
DOCUMENT_MAX_MB, DOCUMENTS_S3_BUCKET, DOCUMENTS_S3_ENDPOINT_URL, DOCUMENTS_S3_REGION
(with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY read by boto3).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from jigai.conf.env import env_bool, env_int, env_list, env_minute, env_str, env_time

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("JIGAI_DATA_DIR", str(Path.cwd() / "data"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "jigai.core",
    "jigai.accounts",
    "jigai.audit",
    "jigai.programmes",
    "jigai.dashboard",
    "jigai.buildings",
    "jigai.projects",
    "jigai.documents",  # documents and photos (issue 12, item 6)
    "jigai.quality",  # quality of the works: lots, entry re-tests, rectifications (issue 12)
    "jigai.jobs",
    "jigai.demo",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "jigai.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jigai.audit.source.SourceAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jigai.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jigai.urls"
WSGI_APPLICATION = "jigai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jigai.accounts.context_processors.capabilities",
            ],
        },
    },
]

# --- Database: embedded SQLite (WAL) in the data folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'jigai.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
# Every SQLite connection: WAL, foreign keys, and secure_delete (deleted rows — a household
# list replaced, a session ended — are overwritten with zeros, not left in free pages).
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA secure_delete=ON;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login hardening (GB/T 22239-2019 §8.1.4 identity, access control).
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jigai.accounts.passwords.CharacterClassValidator", "OPTIONS": {"classes": 3}},
]
LOCKOUT_FAILURES = env_int("LOCKOUT_FAILURES", 5, minimum=1)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15, minimum=1)
# At most this many refused requests for another scope's record are written to the audit
# trail per user and minute (jigai.accounts.scope.get_visible_or_404): every refusal is
# refused, but a scan of ids cannot flood the trail.
ACCESS_REFUSALS_AUDITED_PER_MINUTE = env_int("ACCESS_REFUSALS_AUDITED_PER_MINUTE", 10, minimum=1)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
# Idle timeout: jigai.accounts.middleware.IdleTimeoutMiddleware logs a session out after
# SESSION_IDLE_MINUTES without a request. It rewrites the session's last-activity stamp
# at most once every SESSION_ACTIVITY_WRITE_SECONDS, not on every request (each write
# takes SQLite's write lock); the stored session outlives the stamp by that interval so
# that the middleware, not the session's own expiry, decides.
SESSION_ACTIVITY_WRITE_SECONDS = 60
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60 + SESSION_ACTIVITY_WRITE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Authentication (issue 11, 身份鉴别; jigai.accounts): second factor, password age and
# history, dormant accounts, absolute session lifetime. One block: apps, middleware, settings.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "jigai.accounts.middleware.AccountPolicyMiddleware",
)
OTP_TOTP_ISSUER = "jigai"
# a password is good for this many days; then its owner must change it before anything else
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90, minimum=1)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5, minimum=1)  # earlier passwords refused
DORMANT_DAYS = env_int("DORMANT_DAYS", 90, minimum=1)  # without a login: account disabled
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)  # even with activity
AUTH_PASSWORD_VALIDATORS += [
    {"NAME": "jigai.accounts.passwords.KnownWeakPasswordValidator"},
    {"NAME": "jigai.accounts.passwords.PasswordHistoryValidator"},
]
# --- end of authentication block

# --- Transport security: on unless JIGAI_HTTPS=false (a laptop demo on http://127.0.0.1).
HTTPS = env_bool("JIGAI_HTTPS", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind the TLS reverse proxy: X-Forwarded-Proto and X-Forwarded-For count only from the
# proxy's own address (jigai.core.proxy.TrustedProxy, round the WSGI application, sets the
# scheme and REMOTE_ADDR; gunicorn is given the same list). Django itself reads no proxy
# header: a client sending X-Forwarded-Proto: https directly is still on http.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])
SECURE_PROXY_SSL_HEADER = None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Response headers (GB/T 22239-2019 §8.1.4.3 intrusion prevention; issue 11, Must 7).
# Content-Security-Policy (django-csp): no inline script anywhere — pages load their
# behaviour from static files and their data from json_script blocks or data- attributes.
# ECharts draws on canvas, but its default tooltips are HTML with style attributes (the
# dashboard's bars: 10 violations a hover under style-src 'self' in Chromium): style
# attributes alone are allowed (style-src-attr); style sheets come only from the site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# jigai.core.middleware.SecurityHeadersMiddleware: browser features no page uses, and
# Cache-Control: no-store on every page shown to a signed-in user (personal data, money).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)

# --- Language and time: Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files: vendored ECharts and htmx, served by WhiteNoise.
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Figures that cost a scan of the stock (survey summary, map markers, a filtered list's
# order) are cached per state of the data (jigai.audit.stamp): in each server process's
# memory, which needs no extra server; several processes each keep their own.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Survey import.
# Task workers (and jobs run in a command) lower their CPU priority by this niceness, so that
# a long import or assessment takes only the cores the web server leaves idle.
JOBS_NICE = env_int("JOBS_NICE", 10, minimum=0)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024
# Checked before a survey table is parsed (jigai.surveytable.reader.Limits): its data rows
# (a county's survey: 盂县, the largest of Yangquan's, has some 27,000 buildings) and what a
# workbook unpacks to (a 60,000-row survey workbook unpacks to about 100 MB).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 60_000, minimum=1)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_MB", 150, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

# --- Long work (imports, screening, assessment) runs as tasks of Django's tasks framework
# (the django-tasks backport). The default keeps them in the database (django-tasks-db):
# no extra server; `jigai serve` starts one worker beside the web server, `jigai worker`
# runs more. A deployment may name another backend in TASKS_BACKEND.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A running job whose worker has shown no sign of life for this long is marked failed.
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 300, minimum=10)
# A project's money is dated within its programme year and this many years after it (works
# and the settlement audit run past the year), never later (jigai.projects.books).
PAYMENT_GRACE_YEARS = env_int("PAYMENT_GRACE_YEARS", 3, minimum=0)
# Uploaded survey files, kept through the storage API until their job is done with.
MEDIA_ROOT = Path(env_str("JIGAI_FILES_DIR", str(DATA_DIR / "files"))).resolve()

# --- Documents and photos (issue 12, item 6; jigai.documents). Kept through the storage
# "documents": under MEDIA_ROOT (documents/…) by default; in an S3-compatible bucket when
# DOCUMENTS_S3_BUCKET is set (endpoint and region optional; the keys from boto3's usual
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Files are served only through the application
# (scope check and audit), never by a bucket URL.
DOCUMENT_MAX_MB = env_int("DOCUMENT_MAX_MB", 20, minimum=1)
DOCUMENTS_S3_BUCKET = env_str("DOCUMENTS_S3_BUCKET", "")
if DOCUMENTS_S3_BUCKET:
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENTS_S3_BUCKET,
            "endpoint_url": env_str("DOCUMENTS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("DOCUMENTS_S3_REGION", "") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["documents"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# --- Audit trail (GB/T 22239-2019 §8.1.4.3 security audit, level 3).
# The chain is keyed (HMAC-SHA256) with a key kept outside the database: AUDIT_HMAC_KEY from
# the environment or, when empty, the key file (created 0600 by `jigai setup`).
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", "")
AUDIT_HMAC_KEY_FILE = Path(env_str("AUDIT_HMAC_KEY_FILE", str(DATA_DIR / "audit-hmac.key")))
# Signed heads of the chain (anchors), appended to a file the audit administrator keeps.
AUDIT_ANCHOR_DIR = Path(env_str("AUDIT_ANCHOR_DIR", str(DATA_DIR / "anchors"))).resolve()
# Audit entries are kept at least this long (等保: at least six months); nothing is purged.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 184, minimum=184)
# Where `jigai backup` writes its backups.
BACKUP_DIR = Path(env_str("JIGAI_BACKUP_DIR", str(DATA_DIR / "backups"))).resolve()

# --- Routines the task worker runs on its own (jigai.jobs.schedule); empty switches one off.
SCHEDULE_BACKUP_AT = env_time("SCHEDULE_BACKUP_AT", "02:30")  # daily backup, local time
BACKUP_KEEP = env_int("BACKUP_KEEP", 14, minimum=1)  # backups kept by the daily routine
SCHEDULE_ANCHOR_MINUTE = env_minute("SCHEDULE_ANCHOR_MINUTE", "5")  # hourly anchor
SCHEDULE_DORMANT_AT = env_time("SCHEDULE_DORMANT_AT", "03:00")  # daily dormant-account check
SCHEDULE_POLL_SECONDS = env_int("SCHEDULE_POLL_SECONDS", 30, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # a refusal (403, a malformed parameter's 400) is one line, not a traceback
    "filters": {"refusal_one_line": {"()": "jigai.core.errors.RefusalLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusal_one_line"]}},
    "loggers": {"django.request": {"filters": ["refusal_one_line"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
