"""Masthead's one settings module, driven by environment variables.

Every variable is listed in docs/configuration.md. A bad value raises
ImproperlyConfigured naming the variable, so a misconfigured deploy fails at
start-up instead of at the first reader.

Embedded defaults: SQLite, local media files, local-memory cache, the
django-tasks database backend. Scale-out: DATABASE_URL (PostgreSQL),
REDIS_URL (cache, sessions, RQ tasks), S3 media (django-storages).
"""

from __future__ import annotations

import ipaddress
import os
import re
import zoneinfo
from pathlib import Path
from typing import Any, overload
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    """A string variable; NAME_FILE (Docker-style secret) wins over NAME."""
    if path := os.environ.get(name + "_FILE"):
        p = Path(path)
        if not p.is_file():
            raise ImproperlyConfigured(f"{name}_FILE points at {path!r}, which is not a readable file")
        return p.read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(env_str("MASTHEAD_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

SECRET_KEY: str = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (or set DEBUG=1 for development)")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" + (",testserver" if DEBUG else ""))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = (env_str("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://; got {SITE_URL!r}")
WAGTAILADMIN_BASE_URL = SITE_URL

INSTALLED_APPS = [
    "masthead.core",
    "masthead.access",
    "masthead.newsroom",
    "masthead.members",
    "masthead.billing",
    "masthead.narration",
    "masthead.ads",
    "masthead.search",
    "masthead.fulfilment",
    "django_countries",
    "masthead.editions",
    "masthead.newsletters",
    "anymail",
    "wagtail.contrib.forms",
    # Wagtail's own apps, less the v3 API they would import at start-up (masthead/core/wagtail_apps.py).
    "masthead.core.wagtail_apps.RedirectsConfig",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "masthead.core.wagtail_apps.SnippetsConfig",
    "masthead.core.wagtail_apps.DocumentsConfig",
    "masthead.core.wagtail_apps.ImagesConfig",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # Gzips what the page cache does not store (forms, uncached renders), after every other middleware wrote the body.
    "masthead.core.compression.CompressionMiddleware",
    # Next, so a cached anonymous page is answered before sessions or auth run.
    "masthead.core.pagecache.AnonymousPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A view that needed Redis while it was unreachable answers 503 + Retry-After, not 500.
    "masthead.core.shared_cache.SharedCacheDownMiddleware",
    # After the page cache, so a stored page keeps the header it was rendered with.
    "masthead.core.csp.ScopedCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The reader's grants looked up once per request, however many parts of the page ask.
    "masthead.access.middleware.OneAnswerPerRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sets the anonymous meter cookie chosen by masthead.access.meter.
    "masthead.access.meter.MeterCookieMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Finds Wagtail pages from memory or by url_path before Wagtail walks the tree (masthead/core/routing.py).
    "masthead.core.routing.RouteMiddleware",
]

ROOT_URLCONF = "masthead.urls"
WSGI_APPLICATION = "masthead.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "masthead.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url

    try:
        # Health checks: a connection kept across requests is pinged before reuse, so after a PostgreSQL
        # restart or failover each worker reconnects on its next request instead of failing it.
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
            )
        }
    except Exception as exc:  # dj_database_url raises a bare ValueError/KeyError
        raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from exc
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a cheaper per-request health check (masthead/core/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "masthead.core.postgresql"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "masthead.sqlite3")),
            "OPTIONS": {
                # WAL lets readers and the task worker run beside a writer.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Opening a connection runs the PRAGMAs above (~1.5 ms): keep it per
            # worker thread instead of per request.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        }
    }
# The session, user and grant lookups of every signed-in page run as prepared statements on PostgreSQL
# (masthead/core/db.py hot_cursor); 0 behind a pooler in transaction mode that cannot keep them.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        # Only the scheme is echoed: the URL may carry a password.
        scheme = REDIS_URL.split(":", 1)[0]
        raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://; got {scheme!r}:...")
    try:
        _redis = urlsplit(REDIS_URL)
        _redis_port = _redis.port  # parsing the port is what raises on "host:abc"
    except ValueError as exc:
        raise ImproperlyConfigured(f"REDIS_URL is not a valid URL: {exc}") from None
    if _redis.scheme != "unix" and not _redis.hostname:
        raise ImproperlyConfigured("REDIS_URL names no host, e.g. redis://127.0.0.1:6379/0")
    # Redis holds copies, never the only record: while it is down or restarting, a cache read misses and a
    # write is dropped (Wagtail's and Django's own cache use included), so pages render from the database
    # instead of failing. What must not run without it (throttles, one-time links) uses the connection
    # directly and is refused with a 503 (masthead/core/shared_cache.py). A Redis that does not answer
    # within a second counts as down.
    REDIS_CACHE_OPTIONS = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1}
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "masthead",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    # Sessions are written through to the database and read from Redis: a Redis
    # restart or an LRU eviction must not sign every reader out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "masthead",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
    # Django's database sessions with the per-request read as plain SQL (masthead/core/sessions.py).
    SESSION_ENGINE = "masthead.core.sessions"

# Wagtail writes every rendition it uses back to this cache (a pickle per image
# per render, a Redis write with REDIS_URL). Our pages fetch renditions with the
# images that show them (prefetch_related), so nothing would ever be read back.
CACHES["renditions"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}

# Full-page cache for anonymous readers (masthead/core/pagecache.py) and the
# page shells signed-in readers are served from (masthead/core/shells.py).
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300, minimum=1)
# Each process keeps recent pages in memory (the only copy in the embedded
# default, a copy in front of Redis otherwise; masthead/core/pagestore.py).
PAGE_CACHE_LOCAL_MB = env_int("PAGE_CACHE_LOCAL_MB", 64, minimum=0)
# Browsers and proxies revalidate (ETag) after this many seconds; 0 keeps
# "publishing shows at once" true for them too.
PAGE_CACHE_BROWSER_SECONDS = env_int("PAGE_CACHE_BROWSER_SECONDS", 0, minimum=0)
# Cookies (besides the session and messages ones) that send a reader past the cache.
PAGE_CACHE_BYPASS_COOKIES = env_list("PAGE_CACHE_BYPASS_COOKIES")

# An edge cache in front (Varnish, deploy/varnish/; masthead/core/edge.py): how
# long it may keep a shared page, and where publishing sends its purges.
EDGE_CACHE_SECONDS = env_int("EDGE_CACHE_SECONDS", PAGE_CACHE_SECONDS, minimum=0)
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")
for _url in EDGE_PURGE_URLS:
    if not _url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"EDGE_PURGE_URLS must be http:// or https:// addresses of the edge caches; got {_url!r}")

# --- Background tasks -----------------------------------------------------
# Narration has its own queue: its jobs take seconds to minutes and its worker holds the
# voice (~285 MiB), so a worker per queue keeps search and reference-index updates prompt.
# Editions too (a PDF takes WeasyPrint seconds to a minute), and newsletter sends: a send to 100,000
# readers runs for minutes and must not hold up the others.
TASK_QUEUES = ["default", "narration", "editions", "newsletters"]
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASK_QUEUES}
    # django-tasks' jobs need their own RQ job class; setting it here makes a plain `manage.py rqworker` work.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
if env_bool("TASKS_IMMEDIATE", False):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": TASK_QUEUES}}

# --- Files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")) or VAR_DIR / "static")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")

S3_BUCKET = env_str("S3_BUCKET")
# A half-configured S3 would otherwise fall back to local files silently (no
# bucket) or fail at the first upload (one key of the pair).
_S3_DETAILS = ("S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_CUSTOM_DOMAIN")
_s3_stray = [name for name in _S3_DETAILS if env_str(name)]
if _s3_stray and not S3_BUCKET:
    raise ImproperlyConfigured(f"S3_BUCKET must be set when {', '.join(_s3_stray)} is set")
if S3_BUCKET and bool(env_str("S3_ACCESS_KEY_ID")) != bool(env_str("S3_SECRET_ACCESS_KEY")):
    _missing = "S3_SECRET_ACCESS_KEY" if env_str("S3_ACCESS_KEY_ID") else "S3_ACCESS_KEY_ID"
    raise ImproperlyConfigured(f"{_missing} must be set too: S3 keys come as a pair (or leave both unset to use an IAM role)")
_s3_connection = {
    "endpoint_url": env_str("S3_ENDPOINT_URL"),
    "region_name": env_str("S3_REGION"),
    "access_key": env_str("S3_ACCESS_KEY_ID"),
    "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
}
if S3_BUCKET:
    default_storage: dict[str, Any] = {
        # Every upload gets a name no earlier file had, so its URL may be cached for a year.
        "BACKEND": "masthead.core.s3_storage.PublicS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            **_s3_connection,
            "custom_domain": env_str("S3_CUSTOM_DOMAIN"),
            "file_overwrite": False,
            "querystring_auth": env_bool("S3_QUERYSTRING_AUTH", False),
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
else:
    default_storage = {"BACKEND": "masthead.core.storage.PublicMediaStorage"}

# Private files (full narrations, edition downloads): no URL maps to them; they
# leave only through the gate (masthead/core/private_files.py, docs/configuration.md).
PRIVATE_FILES_ROOT = Path(env_str("PRIVATE_FILES_ROOT", str(VAR_DIR / "private")) or VAR_DIR / "private")
for _name, _root in (("MEDIA_ROOT", MEDIA_ROOT), ("STATIC_ROOT", STATIC_ROOT)):
    _private, _public = PRIVATE_FILES_ROOT.resolve(), _root.resolve()
    if _private == _public or _public in _private.parents or _private in _public.parents:
        raise ImproperlyConfigured(
            f"PRIVATE_FILES_ROOT ({PRIVATE_FILES_ROOT}) must lie outside {_name} ({_root}) and not contain it: "
            "everything under a public root has a URL"
        )
PRIVATE_FILES_ACCEL_PREFIX = env_str("PRIVATE_FILES_ACCEL_PREFIX", "") or ""
if PRIVATE_FILES_ACCEL_PREFIX and not re.fullmatch(r"/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/", PRIVATE_FILES_ACCEL_PREFIX):
    raise ImproperlyConfigured(
        f"PRIVATE_FILES_ACCEL_PREFIX must be a path that starts and ends with '/' (e.g. /_private/); "
        f"got {PRIVATE_FILES_ACCEL_PREFIX!r}"
    )
for _name, _url in (("MEDIA_URL", MEDIA_URL), ("STATIC_URL", STATIC_URL)):
    if PRIVATE_FILES_ACCEL_PREFIX and _url and PRIVATE_FILES_ACCEL_PREFIX.startswith(_url):
        raise ImproperlyConfigured(f"PRIVATE_FILES_ACCEL_PREFIX must not lie under {_name} ({_url})")
PRIVATE_FILES_SIGNED_URL_SECONDS = env_int("PRIVATE_FILES_SIGNED_URL_SECONDS", 60, minimum=1)
if PRIVATE_FILES_SIGNED_URL_SECONDS > 600:
    raise ImproperlyConfigured(
        f"PRIVATE_FILES_SIGNED_URL_SECONDS must be at most 600 (a signed URL outlives a refund); "
        f"got {PRIVATE_FILES_SIGNED_URL_SECONDS}"
    )
PRIVATE_S3_BUCKET = env_str("PRIVATE_S3_BUCKET") or S3_BUCKET
if env_str("PRIVATE_S3_BUCKET") and not S3_BUCKET:
    raise ImproperlyConfigured("S3_BUCKET must be set when PRIVATE_S3_BUCKET is set (they share S3_ENDPOINT_URL and the keys)")
PRIVATE_S3_PREFIX = (env_str("PRIVATE_S3_PREFIX", "private") or "").strip("/")
if PRIVATE_S3_BUCKET == S3_BUCKET and S3_BUCKET and not PRIVATE_S3_PREFIX:
    raise ImproperlyConfigured(
        "PRIVATE_S3_PREFIX must not be empty when private files share the media bucket (PRIVATE_S3_BUCKET unset)"
    )
if PRIVATE_S3_BUCKET:
    private_storage: dict[str, Any] = {
        "BACKEND": "masthead.core.s3_storage.PrivateS3Storage",
        "OPTIONS": {"bucket_name": PRIVATE_S3_BUCKET, **_s3_connection, "location": PRIVATE_S3_PREFIX},
    }
else:
    private_storage = {"BACKEND": "masthead.core.storage.PrivateFileSystemStorage"}

# Without S3 the app serves uploaded media itself (the demo, a single box);
# behind nginx or a CDN, set SERVE_MEDIA=0 and let them do it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", not S3_BUCKET)
# Podcast feeds of article audio (masthead/narration/podcast.py): Apple requires an owner email and a category.
PODCAST_OWNER_EMAIL = env_str("PODCAST_OWNER_EMAIL", "podcasts@localhost") or "podcasts@localhost"
PODCAST_CATEGORY = env_str("PODCAST_CATEGORY", "News") or "News"
PODCAST_SUBCATEGORY = env_str("PODCAST_SUBCATEGORY", "Politics") or ""
STORAGES = {
    "default": default_storage,
    "private": private_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tests and the demo run without collectstatic's manifest when asked to.
if env_bool("STATIC_NO_MANIFEST", False):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG

# --- Email ----------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before a silent mail server counts as failed (Django's default waits forever, and a send would hang).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Masthead <no-reply@localhost>")
# Unhandled errors (500s) are emailed to these addresses with the traceback (Django's mail_admins), from SERVER_EMAIL.
_error_email_to = env_list("ERROR_EMAIL_TO")
for _address in _error_email_to:
    if not re.fullmatch(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+", _address):
        raise ImproperlyConfigured(f"ERROR_EMAIL_TO must be email addresses separated by commas; got {_address!r}")
ADMINS = [(_address, _address) for _address in _error_email_to]
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL or "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)

# Providers (Postmark, Amazon SES, Mailgun, ...) through django-anymail: set EMAIL_BACKEND to the provider's
# backend (e.g. anymail.backends.postmark.EmailBackend) and its settings as ANYMAIL_<NAME> variables, e.g.
# ANYMAIL_POSTMARK_SERVER_TOKEN; ANYMAIL_WEBHOOK_SECRET guards the tracking webhooks (docs/email.md).
ANYMAIL: dict[str, Any] = {
    name.removeprefix("ANYMAIL_"): env_str(name)
    for name in sorted(os.environ)
    if name.startswith("ANYMAIL_") and not name.endswith("_FILE")
}

# --- Newsletters (masthead/newsletters; docs/email.md) ---------------------------
# Messages per second for one send, across all its workers; 0 sends as fast as the mail server takes them.
NEWSLETTER_RATE = env_int("NEWSLETTER_RATE", 0, minimum=0)
# Recipients one worker claims at a time: also the most that can end "unknown" if a worker dies mid-batch.
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 50, minimum=1)
# Background jobs started per send (each claims batches until none are left).
NEWSLETTER_JOBS = env_int("NEWSLETTER_JOBS", 2, minimum=1)
# A claimed batch older than this whose worker cannot be seen alive is taken to have crashed: its rows become "unknown".
NEWSLETTER_CLAIM_LEASE = env_int("NEWSLETTER_CLAIM_LEASE", 600, minimum=30)
_site_host = urlsplit(SITE_URL).hostname or "localhost"
# The mailto: half of List-Unsubscribe; mail to it is read through anymail's inbound webhook (docs/email.md).
NEWSLETTER_UNSUBSCRIBE_MAILTO = env_str("NEWSLETTER_UNSUBSCRIBE_MAILTO", f"unsubscribe@{_site_host}") or ""
if NEWSLETTER_UNSUBSCRIBE_MAILTO.count("@") != 1 or "+" in NEWSLETTER_UNSUBSCRIBE_MAILTO or " " in NEWSLETTER_UNSUBSCRIBE_MAILTO:
    raise ImproperlyConfigured(
        "NEWSLETTER_UNSUBSCRIBE_MAILTO must be one plain address such as unsubscribe@example.com; "
        f"got {NEWSLETTER_UNSUBSCRIBE_MAILTO!r}"
    )
# The right-hand side of every newsletter Message-ID.
NEWSLETTER_MESSAGE_ID_DOMAIN = _site_host
# The demo's mailbox: a Maildir the local SMTP sink writes (scripts/run-demo.sh); staff read it at /admin/mailbox/.
MAILBOX_DIR = env_str("MAILBOX_DIR", "") or ""

# --- Security -------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SITE_URL.startswith("https://")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SITE_URL.startswith("https://") else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is the owner's opt-in (hstspreload.org, hard to undo, binds every
# subdomain), so it stays off by default and check --deploy is not asked to nag.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Proxies whose X-Forwarded-For is believed (masthead.core.http.client_ip): addresses or networks.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES must list IP addresses or networks (e.g. 127.0.0.1,10.0.0.0/8); got {_proxy!r}"
        ) from None
if BEHIND_PROXY and not TRUSTED_PROXIES:
    # Without it every reader would share the proxy's address: one guesser or
    # one busy office would then trip the throttles for the whole site.
    raise ImproperlyConfigured(
        "TRUSTED_PROXIES must be set when BEHIND_PROXY is on: the address(es) your proxy connects from, e.g. 127.0.0.1"
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
LOGIN_URL = "members:signin"
# ModelBackend with the per-request user read compiled once (masthead/core/auth.py). Django's own
# stays listed so sessions signed in before it was added keep working.
AUTHENTICATION_BACKENDS = ["masthead.core.auth.ModelBackend", "django.contrib.auth.backends.ModelBackend"]

# --- Content-Security-Policy (django-csp; masthead/core/csp.py) ------------
# The public site runs no inline script or style and loads everything from
# itself: the page cache can then store one policy beside one body, with no
# per-response nonce. Media origins (S3, a CDN) are added at run time from the
# storages themselves; Stripe's origins only on the card-form pages
# (masthead/billing/csp.py); the Wagtail admin gets its own looser policy.


def _csp_sources(name: str, default: str) -> list[str]:
    sources = env_list(name, default)
    for source in sources:
        # A ";" or a space would smuggle in a directive of its own.
        if not source.startswith(("https://", "http://")) or any(c in source for c in " ;'\"\\"):
            raise ImproperlyConfigured(f"{name} takes origins like https://www.youtube.com; got {source!r}")
    return sources


# Lower-case names: django-csp 3's settings were called CSP_REPORT_URI,
# CSP_FRAME_SRC…, and its system check refuses a settings module defining them.
_csp_report_uri = env_str("CSP_REPORT_URI", "") or ""
if _csp_report_uri and (
    not _csp_report_uri.startswith(("https://", "http://", "/")) or any(c in _csp_report_uri for c in " ;,'\"")
):
    raise ImproperlyConfigured(f"CSP_REPORT_URI must be a URL (https://…) or a path (/…); got {_csp_report_uri!r}")
_csp_report_only = env_bool("CSP_REPORT_ONLY", False)
# Article embeds (Wagtail's oEmbed) are iframes; these are the players a
# publisher may embed. Embeds that need a provider's script (posts from social
# networks) show their plain-HTML fallback instead.
_csp_frame_src = _csp_sources(
    "CSP_FRAME_SRC", "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com"
)
_CSP_SELF = "'self'"
_csp_public: dict[str, Any] = {
    "default-src": [_CSP_SELF],
    "script-src": [_CSP_SELF],
    "style-src": [_CSP_SELF],
    "img-src": [_CSP_SELF],
    "media-src": [_CSP_SELF],
    "font-src": [_CSP_SELF],
    "connect-src": [_CSP_SELF],
    "frame-src": _csp_frame_src or ["'none'"],
    "object-src": ["'none'"],
    "base-uri": [_CSP_SELF],
    "form-action": [_CSP_SELF],
    "frame-ancestors": ["'none'"],
    "upgrade-insecure-requests": SITE_URL.startswith("https://"),
}
# The Wagtail admin, measured in Chromium page by page (docs/security.md):
# its templates still carry inline scripts (date pickers, inline panels) and
# inline style attributes, it frames its own page previews, and it fetches
# Wagtail's release feed and staff avatars (Gravatar).
_csp_admin: dict[str, Any] = {
    **_csp_public,
    "script-src": [_CSP_SELF, "'unsafe-inline'"],
    "style-src": [_CSP_SELF, "'unsafe-inline'"],
    # blob: thumbnails of images being uploaded. No Gravatar: avatars are the site's own
    # (WAGTAIL_GRAVATAR_PROVIDER_URL below).
    "img-src": [_CSP_SELF, "blob:"],
    "connect-src": [_CSP_SELF, "https://releases.wagtail.org"],
    "frame-src": [_CSP_SELF, *_csp_frame_src],
    "frame-ancestors": [_CSP_SELF],
}
if _csp_report_uri:
    _csp_public["report-uri"] = _csp_admin["report-uri"] = [_csp_report_uri]
# Paths whose responses get the admin policy instead of the public one.
CSP_ADMIN_PREFIXES = ("/admin/", "/django-admin/")
CSP_ADMIN_DIRECTIVES = _csp_admin
if _csp_report_only:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_public}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_public}

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC") or "UTC"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE must be an IANA time zone such as Europe/London; got {TIME_ZONE!r}") from None
USE_I18N = True
USE_TZ = True

# --- Wagtail --------------------------------------------------------------
# The software's name; the magazine's own name is core.MagazineSettings (admin → Settings), the one source
# every page, feed, email and the admin's branding read.
WAGTAIL_SITE_NAME = "Masthead"
# Wagtail's database search backend picks the engine from the database: SQLite FTS5 in the
# embedded default, PostgreSQL full-text search (tsvector, GIN) with DATABASE_URL. The text
# search configuration is named, not left to the cluster's locale (a C-locale cluster
# defaults to "simple": no stemming, so "treaty" would not find "treaties").
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}}
WAGTAILIMAGES_IMAGE_MODEL = "wagtailimages.Image"
# SVG for the magazine's logo (core.branding), shown as drawn. An SVG can carry script: the upload form
# (core.images) and the media storage (core.storage) keep only what draws (core.svg), and media is served
# with a policy that runs no script (core.views.public_media, deploy/nginx/masthead-files.conf).
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp", "svg"]
WAGTAILIMAGES_IMAGE_FORM_BASE = "masthead.core.images.ImageForm"
# Staff avatars from the site itself (Wagtail's default picture or an uploaded one), never Gravatar:
# a self-hosted magazine's admin often cannot reach it, and showed a broken image on the dashboard.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "epub", "odt", "pdf", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_I18N_ENABLED = False
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# Anonymous reads from one network (IPv4 address or IPv6 /64) per day, in readers' allowances:
# the ceiling that clearing cookies and changing the User-Agent cannot reset (masthead/access/meter.py).
METER_READERS_PER_NETWORK = env_int("METER_READERS_PER_NETWORK", 10, minimum=1)

# --- Payments (masthead/billing; docs/configuration.md) ---------------------
# STRIPE_API_BASE points the official SDK at localstripe for the offline demo
# and tests; unset means api.stripe.com. STRIPE_JS_URL follows it.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "") or ""
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "") or ""
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "") or ""
STRIPE_API_BASE = (env_str("STRIPE_API_BASE", "") or "").rstrip("/")
if STRIPE_API_BASE and not STRIPE_API_BASE.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"STRIPE_API_BASE must start with http:// or https://; got {STRIPE_API_BASE!r}")
STRIPE_JS_URL = env_str("STRIPE_JS_URL", "") or (
    STRIPE_API_BASE + "/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/"
)
if STRIPE_SECRET_KEY and not STRIPE_SECRET_KEY.startswith(("sk_", "rk_")):
    raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a Stripe secret key starting with sk_ or rk_")
if STRIPE_PUBLISHABLE_KEY and not STRIPE_PUBLISHABLE_KEY.startswith("pk_"):
    raise ImproperlyConfigured("STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key starting with pk_")
if os.environ.get("BILLING_GUARANTEE_DAYS"):
    # One source for the guarantee: the admin's Magazine settings. A deploy still
    # setting the old variable would otherwise believe it changed something.
    raise ImproperlyConfigured(
        "BILLING_GUARANTEE_DAYS is no longer read: set the guarantee in the admin (Settings → Magazine settings)"
    )
# Paid access runs this long past the period end, so a late renewal webhook
# never locks a paying reader out.
BILLING_GRACE_HOURS = env_int("BILLING_GRACE_HOURS", 48, minimum=0)

# --- Narration (article audio) ---------------------------------------------
# piper: neural voice (default); espeak: fast robotic fallback, used by tests.
NARRATION_ENGINE = env_str("NARRATION_ENGINE", "piper") or "piper"
if NARRATION_ENGINE not in ("piper", "espeak"):
    raise ImproperlyConfigured(f"NARRATION_ENGINE must be 'piper' or 'espeak'; got {NARRATION_ENGINE!r}")
# Queue narration when an article is published or edited.
NARRATION_ON_PUBLISH = env_bool("NARRATION_ON_PUBLISH", True)
# A job claimed longer ago than this is taken to have crashed and may be resumed by another worker.
NARRATION_JOB_TIMEOUT = env_int("NARRATION_JOB_TIMEOUT", 1800, minimum=60)
# Piper's CPU threads; 0 lets onnxruntime use every core. 1 leaves a core for the web on a small box.
NARRATION_THREADS = env_int("NARRATION_THREADS", 0, minimum=0)

# --- Editions (EPUB, PDFs, audio edition) -----------------------------------
# Build an issue's files when it is published and rebuild them when an article in it changes.
EDITIONS_ON_PUBLISH = env_bool("EDITIONS_ON_PUBLISH", True)
# A build claimed longer ago than this is taken to have crashed and may be resumed by another worker.
EDITIONS_JOB_TIMEOUT = env_int("EDITIONS_JOB_TIMEOUT", 1800, minimum=60)
# The printed page (trim) in millimetres, "WIDTHxHEIGHT"; the reading PDF uses it too.
_trim = (env_str("EDITIONS_TRIM_MM", "210x275") or "210x275").lower().replace(" ", "")
try:
    EDITIONS_TRIM_WIDTH_MM, EDITIONS_TRIM_HEIGHT_MM = (float(part) for part in _trim.split("x"))
except ValueError:
    raise ImproperlyConfigured(f"EDITIONS_TRIM_MM must be WIDTHxHEIGHT in millimetres, e.g. 210x275; got {_trim!r}") from None
if not (50 <= EDITIONS_TRIM_WIDTH_MM <= 600 and 50 <= EDITIONS_TRIM_HEIGHT_MM <= 600):
    raise ImproperlyConfigured(f"EDITIONS_TRIM_MM must be between 50 and 600 mm on each side; got {_trim!r}")
_bleed = env_str("EDITIONS_BLEED_MM", "3") or "3"
try:
    EDITIONS_BLEED_MM = float(_bleed)
except ValueError:
    raise ImproperlyConfigured(f"EDITIONS_BLEED_MM must be a number of millimetres, e.g. 3; got {_bleed!r}") from None
if not 0 <= EDITIONS_BLEED_MM <= 10:
    raise ImproperlyConfigured(f"EDITIONS_BLEED_MM must be between 0 and 10; got {_bleed!r}")
# The print preflight lists every image below this effective resolution at its placed size.
EDITIONS_MIN_PPI = env_int("EDITIONS_MIN_PPI", 300, minimum=1)

LOG_LEVEL = (env_str("LOG_LEVEL", "WARNING") or "WARNING").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL; got {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
