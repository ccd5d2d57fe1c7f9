"""Nara's settings: one file, read from the environment.

Development needs nothing set (SQLite under var/, DEBUG on via `make run`). Production sets at
least SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; see README "Production".
"""

import os
from pathlib import Path
from string import Formatter
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NARA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY in the environment (or DEBUG=1 for development)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # widget templates, overridable from templates/ (FORM_RENDERER below)
    "django_tasks_db",
    "nara.core",
    "nara.accounts",
    "nara.agencies",
    "nara.audit",
    "nara.approvals",
    "nara.documents",
    "nara.notifications",
    "nara.complaints",
    "nara.petitions",
    "nara.disclosure",
    "nara.participation",
    "nara.participation.consultations",
    "nara.participation.proposals",
    "nara.participation.polls",
    "nara.participation.budgets",
    "nara.participation.contributions",
    "nara.api",
    "nara.portal",
]

MIDDLEWARE = [
    "nara.core.middleware.LoadSheddingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "nara.core.middleware.RequestSizeLimitMiddleware",
    "nara.petitions.middleware.EmailSigningGate",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "nara.accounts.middleware.AuthenticationMiddleware",
    "nara.accounts.middleware.OfficialTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "nara.urls"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "nara.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nara.core.context_processors.nara",
                "nara.notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'nara.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared-cache memory, so concurrent writers wait on the lock
    # (busy timeout) as in production instead of failing with "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # Fail fast instead of queueing without end when the database is saturated: the request
    # then gets the "please retry" page (LoadSheddingMiddleware). 0: no limit (development).
    _timeouts = [
        f"-c {name}={int(os.environ.get(var, '0'))}"
        for name, var in (
            ("statement_timeout", "DB_STATEMENT_TIMEOUT_MS"),
            ("lock_timeout", "DB_LOCK_TIMEOUT_MS"),
        )
        if int(os.environ.get(var, "0"))
    ]
    if _timeouts:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(_timeouts)
    # Server-side binding and prepared statements: PostgreSQL plans a statement once per
    # connection instead of on every request (measured on the participation pages: database
    # CPU per page 1.5–1.7 ms -> 0.4–0.5 ms). DB_PREPARED_STATEMENTS=0 turns them off, e.g.
    # behind a transaction-mode connection pooler that cannot keep prepared statements.
    if os.environ.get("DB_PREPARED_STATEMENTS", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=2
        )
# A read replica for public pages (nara/core/replica.py): anonymous GETs read from it,
# everything else from the primary. The replica is a copy (streaming replication): never migrated.
if REPLICA_DATABASE_URL := os.environ.get("REPLICA_DATABASE_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["nara.core.replica.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("nara.accounts.middleware.AuthenticationMiddleware") + 1,
        "nara.core.replica.PublicReadsMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the scheduler's lock and sign-in throttling flags: every server process must
# share it (rate limits are counted in the database; rendered pages are kept per process, in
# "pages" below). REDIS_URL (redis://host:6379/0) for more than one machine; otherwise
# the database's cache table (CACHE_BACKEND=locmem: one process only, development and tests).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "nara"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache"
            if os.environ.get("CACHE_BACKEND", "db") == "db"
            else "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "nara_cache",
            # Django culls a third of the entries past MAX_ENTRIES (default 300): pages cached
            # per URL and language would push each other out long before they expire.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# Rendered content every visitor shares (anonymous pages, a draft's text and comment lists, a
# ballot's projects, the live count): each copy's key carries the version of what it shows, or
# the copy is renewed after at most NARA_PUBLIC_CACHE_SECONDS, so each server process may keep
# its own. Read from the process's memory, not from the database or Redis, a cached page costs
# 1.2-1.5x less CPU (bench/README.md, "A/B of the machinery", `localpages`).
# Bounded in bytes (nara/core/processcache.py), per process.
CACHES["pages"] = {
    "BACKEND": "nara.core.processcache.ProcessCache",
    "OPTIONS": {"MAX_BYTES": int(os.environ.get("NARA_PAGES_CACHE_MB", "64")) * 2**20},
}

AUTH_USER_MODEL = "accounts.User"
# Django's e-mail and password backend, reading the request's user with its region and
# posting block in one query. (One backend: a failed login checks the password once.)
AUTHENTICATION_BACKENDS = ["nara.accounts.backends.UserBackend"]
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served publicly: attachments go through a permission-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

# Uploads: 5 files of at most 10 MB each; the whole request at most 60 MB.
NARA_MAX_ATTACHMENTS = 5
NARA_MAX_ATTACHMENT_BYTES = int(os.environ.get("NARA_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
NARA_MAX_REQUEST_BYTES = NARA_MAX_ATTACHMENTS * NARA_MAX_ATTACHMENT_BYTES + 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# E-mail: every mail goes through the outbox (nara.notifications) and is sent by a task.
# EMAIL_URL-like pieces from the environment; development sends to the local catcher on 1025.
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "127.0.0.1"),
        "port": int(os.environ.get("EMAIL_PORT", "1025")),
        "username": os.environ.get("EMAIL_HOST_USER") or None,
        "password": os.environ.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nara <no-reply@nara.example>")
# A sender holds a mail it claimed this long; a mail whose sender died goes back to the queue
# after it. Keep it well above EMAIL_TIMEOUT (which bounds each exchange of one send).
NARA_OUTBOX_LEASE_SECONDS = int(os.environ.get("NARA_OUTBOX_LEASE_SECONDS", "300"))

# Background work: Django's Tasks API on the database backend (worker: manage.py db_worker).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Security. Secure defaults whenever DEBUG is off.
SESSION_ENGINE = "nara.accounts.sessions"  # the database, read with its user in one query
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO") else None
    )
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "fontTools": {"level": "ERROR"},  # its subsetter narrates every PDF (tables it drops)
    },
}

# --- Nara's own rules (configurable per deployment) -------------------------------------------

# Handling periods of civil complaints (민원 처리에 관한 법률 시행령). A period of 5 days or less is
# counted in working hours (8 a day); 6 days or more in days, the day of receipt being day 1.
NARA_COMPLAINT_PERIODS = {
    "grievance": {"days": 7},
    "law_question": {"days": 14},
    "procedure_question": {"days": 7},
    "proposal": {"days": 14},
    "other": {"hours": 3},
}
NARA_HOLIDAY_COUNTRY = os.environ.get("NARA_HOLIDAY_COUNTRY", "KR")
# Office hours for counting in hours: (start, end) pairs, local time.
NARA_OFFICE_HOURS = [("09:00", "12:00"), ("13:00", "18:00")]
NARA_WEEKEND = (5, 6)  # Saturday, Sunday
NARA_PROGRESS_NOTICE_DAYS = 30
NARA_TRANSFER_FLAG_AT = 3
NARA_RECEIPT_PREFIX = os.environ.get("NARA_RECEIPT_PREFIX", "NR")
# Information disclosure (정보공개법): the periods in days (nara/disclosure/periods.py says how
# each is counted) and the published fee table in won (first page, each further page, postage).
NARA_DISCLOSURE_PERIODS = {
    "decision": 10,
    "extension": 10,
    "deemed_refusal": 20,
    "third_party_opinion": 3,
    "third_party_wait": 30,
    "objection_filing": 30,
    "objection_decision": 7,
    "objection_extension": 7,
}
NARA_DISCLOSURE_FEES = {
    "view": {"first_page": 0, "next_pages": 0},
    "copy": {"first_page": 250, "next_pages": 50},
    "electronic": {"first_page": 0, "next_pages": 0},
    "postage": 3000,
}

# Who runs the site, as every page's banner and footer say it (KRDS: the official banner and
# the operating agency's identifier); the contact details the footer and /about/contact/ show.
# 110 is the Korean government's call centre for any question about public services.
# The banner: "on", "off", or "auto" (the default): shown where the site is served under the
# official domain, and in development (DEBUG: the demo, whose operator says it is one). A copy of
# Nara elsewhere must not tell people it is an official site.
NARA_OFFICIAL_BANNER = os.environ.get("NARA_OFFICIAL_BANNER", "auto")
NARA_OFFICIAL_DOMAIN = os.environ.get("NARA_OFFICIAL_DOMAIN", ".go.kr")
NARA_OPERATOR = {
    "ko": os.environ.get("NARA_OPERATOR_KO", "나라 시범 서비스"),
    "en": os.environ.get("NARA_OPERATOR_EN", "the Nara demonstration service"),
}
NARA_CONTACT = {
    "phone": os.environ.get("NARA_CONTACT_PHONE", "110"),
    "email": os.environ.get("NARA_CONTACT_EMAIL", "help@nara.example"),
    "address": os.environ.get("NARA_CONTACT_ADDRESS", ""),
    "privacy_officer": os.environ.get("NARA_PRIVACY_OFFICER", ""),
    "privacy_email": os.environ.get("NARA_PRIVACY_EMAIL", "privacy@nara.example"),
}

# A small map of a place (nara.core.maps) where a tile server is named: a URL with {z}, {x} and
# {y}, e.g. https://tiles.example.go.kr/{z}/{x}/{y}.png, with the credit its terms ask for.
# Pages with a map load tiles from there, so each reader's address reaches that server: name one
# the agency runs or has an agreement with. Empty (the default): no map, the coordinates only.
NARA_MAP_TILES = os.environ.get("NARA_MAP_TILES", "").strip()
NARA_MAP_ATTRIBUTION = os.environ.get("NARA_MAP_ATTRIBUTION", "")
if NARA_MAP_TILES:
    _tiles = urlsplit(NARA_MAP_TILES)
    try:
        _fields = {field for _, field, _, _ in Formatter().parse(NARA_MAP_TILES) if field}
    except ValueError:  # an unmatched brace
        _fields = set()
    if _tiles.scheme not in {"https", "http"} or not _tiles.netloc or _fields != {"z", "x", "y"}:
        raise ImproperlyConfigured(
            "NARA_MAP_TILES must be an http(s) URL with {z}, {x} and {y} and no other {…} "
            "(one host: no {s})"
        )
    SECURE_CSP["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")  # the tiles, nothing else

# Rate limits: (requests, seconds). NARA_RATE_LIMITS=off switches them all off (load tests only).
NARA_RATE_LIMITS_ENABLED = os.environ.get("NARA_RATE_LIMITS", "on") != "off"
NARA_RATE_LIMITS = {
    "login_ip": (100, 300),  # failed sign-ins per client address (offices share addresses)
    "two_factor": (10, 300),
    "api_token_signins": (30, 3600),  # successful API sign-ins per account (an app needs one)
    "signup": (5, 3600),
    "password_reset": (5, 3600),
    "complaint_file": (20, 3600),
    "petition_create": (10, 3600),
    "petition_sign_burst": (20, 10),  # per client address
    "petition_sign_ip": (300, 3600),  # per client address (offices and carriers share them)
    "petition_sign_domain": (300, 600),  # per e-mail domain and petition (big providers exempt)
}
# Machinery that can be switched off for A/B benchmarks (bench/README.md): a comma-separated
# subset of prepared, memo, pagecache, localpages, sessions, surgepath. Empty: everything on.
NARA_OFF = frozenset(filter(None, os.environ.get("NARA_OFF", "").replace(" ", "").split(",")))
if "localpages" in NARA_OFF:  # rendered pages in the shared cache, as before (A/B benchmarks)
    CACHES["pages"] = CACHES["default"]
# Mail providers used by millions: never limited by domain.
NARA_BIG_MAIL_PROVIDERS = {
    "gmail.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "kakao.com",
    "nate.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "yahoo.com",
    "korea.kr",
}
# How many proxies of our own append to X-Forwarded-For in front of the app (0: the header is
# ignored, REMOTE_ADDR is the client). Rate limits key on the address this yields.
NARA_TRUSTED_PROXY_COUNT = int(os.environ.get("NARA_TRUSTED_PROXY_COUNT", "0"))
# Failed sign-ins of one account (wrong password or TOTP code, web and API together): the first
# FREE failures cost nothing, then each attempt waits FIRST_WAIT seconds, doubling with every
# further failure up to MAX_WAIT; failures are forgotten FORGET_AFTER seconds after the last one.
# The account's owner is told by mail when the waiting starts (nara/accounts/throttle.py).
NARA_SIGNIN_BACKOFF = {"FREE": 5, "FIRST_WAIT": 30, "MAX_WAIT": 900, "FORGET_AFTER": 86400}
# API tokens end this many days after they are issued (and when the password changes).
NARA_API_TOKEN_DAYS = int(os.environ.get("NARA_API_TOKEN_DAYS", "30"))
# Live API tokens a user may hold (one per device signed in): a new one ends the oldest.
NARA_API_TOKENS_PER_USER = int(os.environ.get("NARA_API_TOKENS_PER_USER", "10"))

# Load shedding (nara.core.middleware.LoadSheddingMiddleware): "please retry" instead of errors.
NARA_SHED_AFTER_MS = int(os.environ.get("NARA_SHED_AFTER_MS", "5000"))  # queued that long: 503
NARA_MAX_IN_FLIGHT = int(os.environ.get("NARA_MAX_IN_FLIGHT", "0"))  # per process; 0: no limit
NARA_RETRY_AFTER_SECONDS = int(os.environ.get("NARA_RETRY_AFTER_SECONDS", "5"))

NINJA_PAGINATION_PER_PAGE = 20

# Public petitions. Thresholds and periods are per petition type (admin); these are the rest.
NARA_PETITION_DEFAULT_TYPE = "national"
NARA_SIGNATURE_COUNTER_SHARDS = 16  # signers of one petition spread over this many rows
NARA_SIGNATURE_CONFIRM_HOURS = 72
# Confirmation mails to one (canonical) address in 24 hours, all petitions together; and never a
# second one for a petition while the first link works (nara/petitions/signing_limits.py).
NARA_SIGNING_MAILS_PER_ADDRESS_PER_DAY = int(
    os.environ.get("NARA_SIGNING_MAILS_PER_ADDRESS_PER_DAY", "5")
)
NARA_PETITION_FORM_MIN_SECONDS = 3  # a signing form sent faster is a script: refused quietly
NARA_DISPOSABLE_DOMAINS_EXTRA = env_list("NARA_DISPOSABLE_DOMAINS_EXTRA")
NARA_MODERATION_QUEUE_NOTICE = 50  # petitions waiting: the site says review may take longer
NARA_PUBLIC_CACHE_SECONDS = int(os.environ.get("NARA_PUBLIC_CACHE_SECONDS", "30"))
# Bytes of fragments {% memo %} keeps per process (least recently used forgotten beyond it);
# a fragment larger than a sixteenth of it is rendered each time, never kept.
NARA_MEMO_BYTES = int(os.environ.get("NARA_MEMO_BYTES", str(16 * 1024 * 1024)))
# Signing requests (with a token) admitted at once per server process; the rest queue without
# holding a database connection (0: no limit), so with more server threads than this, other
# pages go on during a surge. On PostgreSQL the admitted ones are written together: one
# statement and one commit for up to NARA_SIGNING_BATCH signatures (group commit). 32 with 48
# threads signed 3,171/s where 16 with 32 threads signed 1,769/s, the other pages' p99 the
# same or better (bench/README.md, 2026-12-07): a statement's wait for its commit is the limit,
# and the bigger the batch, the more signatures each wait serves.
NARA_SIGNING_CONCURRENCY = int(os.environ.get("NARA_SIGNING_CONCURRENCY", "32"))
NARA_SIGNING_BATCH = max(1, int(os.environ.get("NARA_SIGNING_BATCH", "32")))
NARA_SIGNING_STATEMENT_TIMEOUT_MS = 10_000  # on the connections that run signing statements
# Signing by e-mail (forms, confirm pages) at once per process; see nara/petitions/middleware.py.
NARA_EMAIL_SIGNING_CONCURRENCY = int(os.environ.get("NARA_EMAIL_SIGNING_CONCURRENCY", "1"))
NARA_EMAIL_SIGNING_WAIT_SECONDS = int(os.environ.get("NARA_EMAIL_SIGNING_WAIT_SECONDS", "30"))

# Policy participation
NARA_MODERATION_TARGET_HOURS = int(os.environ.get("NARA_MODERATION_TARGET_HOURS", "24"))
NARA_FLAGS_TO_REVIEW = int(os.environ.get("NARA_FLAGS_TO_REVIEW", "3"))  # reports: back to review
NARA_DIGEST_HOUR = 8  # digests leave after this hour (Seoul time)
NARA_DIGEST_WEEKDAY = 0  # weekly digests on Mondays
