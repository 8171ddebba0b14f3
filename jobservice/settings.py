"""Settings for the job service.

Everything comes from the environment (an optional `.env` file in the checkout is read too,
the real environment wins). Embedded defaults let a fresh checkout run with no servers: an
SQLite database and a `filesystem://` broker under `data/`. Production sets `DATABASE_URL`
and `BROKER_URL`. Where the original service has a setting name (`CAF_...`) it is accepted.
"""
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from jobservice.secret_key import proxy_ssl_header, read_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("JOBSERVICE_DATA_DIR", default=str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# --- Trust boundary (docs/security.md) -------------------------------------------------------
# Signs sessions, CSRF tokens and the status check URLs of dispatched tasks: every process of
# a deployment needs the same key. There is no constant fallback outside DEBUG.
SECRET_KEY = read_secret_key(env, data_dir=DATA_DIR, debug=DEBUG)
# Keys still accepted after a rotation: tasks in flight carry status URLs signed with them.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

# Public base URL of this service: the statusCheckUrl of dispatched tasks, the Location of new
# jobs, a host name accepted by default, and an origin trusted for browser requests.
CAF_WEBSERVICE_URL = env.str("CAF_WEBSERVICE_URL", default="http://127.0.0.1:8000/job-service/v1")
_public_url = urlsplit(CAF_WEBSERVICE_URL)

# A request naming another Host gets a 400, so nothing built from the Host can be poisoned.
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=list(dict.fromkeys(["localhost", "127.0.0.1", "[::1]", *filter(None, [_public_url.hostname])])),
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# "token" (default): every API call but ping needs `Authorization: Bearer <token>` (manage.py
# create_api_token); "none": no authentication, for a trusted network whose clients of the
# original send no token (`manage.py check --deploy` warns about it).
JOBSERVICE_API_AUTH = env.str("JOBSERVICE_API_AUTH", default="token")
if JOBSERVICE_API_AUTH not in ("token", "none"):
    raise ImproperlyConfigured(f"JOBSERVICE_API_AUTH must be 'token' or 'none', not {JOBSERVICE_API_AUTH!r}")
# Origins whose pages may send unsafe API requests without a token (the service's own origin,
# e.g. its Swagger UI, always may); any other Origin, or Sec-Fetch-Site: cross-site, gets 403.
JOBSERVICE_API_ALLOWED_ORIGINS = env.list(
    "JOBSERVICE_API_ALLOWED_ORIGINS", default=[f"{_public_url.scheme}://{_public_url.netloc}"]
)
# Workers (run_example_worker, run_batch_worker) follow only status check URLs under
# CAF_WEBSERVICE_URL or one of these prefixes (http and https only).
CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES = env.list("CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES", default=[])

# TLS: the public URL's scheme decides the defaults of the cookie flags; HSTS and the redirect
# are opt-in (HSTS cannot be taken back once browsers saw it). Behind a proxy that terminates
# TLS, DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only if the proxy always
# sets that header).
_https = _public_url.scheme == "https"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=_https)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=_https)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[]))
# The health check stays reachable over plain HTTP (load balancers) when redirecting.
SECURE_REDIRECT_EXEMPT = [r"^job-service/v1/ping$"]

# Admin sign-in throttling (django-axes): after this many failed sign-ins for one username from
# one address (REMOTE_ADDR: behind a proxy, the proxy's), that pair is locked out for the
# cool-off time; a success resets the count. By username and address together, so that
# nobody can lock an operator out from elsewhere.
AXES_FAILURE_LIMIT = env.int("JOBSERVICE_ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("JOBSERVICE_ADMIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "jobs",
    "tracking",
    "batching",
]

MIDDLEWARE = [
    "jobs.api.correlation.CorrelationIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jobservice.urls"
WSGI_APPLICATION = "jobservice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'jobservice.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The API, the tracker and the scheduler write the same file at once: WAL lets readers
    # go on during a write, IMMEDIATE takes the write lock up front (no upgrade deadlocks)
    # and the timeout makes a writer wait instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # Short OLTP queries: PostgreSQL's JIT overestimates their cost on big tables and spends
    # far longer compiling (~250 ms measured on the admin list) than running them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    # A health check is one more round trip (SELECT 1) per request: about 20% of the status
    # endpoint's throughput, the URL every worker polls (bench/api_bench.py). Off, a
    # connection the server dropped fails one request with a retryable 503, after which
    # Django replaces it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker ---------------------------------------------------------------------------------
# RabbitMQ in production (amqp://...); the embedded default keeps messages as files under
# data/broker so that separate processes (API, scheduler, tracker, workers) can talk.
BROKER_URL = env.str("BROKER_URL", default="filesystem://")
BROKER_DATA_DIR = DATA_DIR / "broker"
# "quorum" or "classic", as the original's CAF_RABBITMQ_QUEUE_TYPE.
BROKER_QUEUE_TYPE = env.str("CAF_RABBITMQ_QUEUE_TYPE", default="quorum")

# --- Job service (names of the original where they exist) ---------------------------------
CAF_STATUS_CHECK_INTERVAL_SECONDS = env.int("CAF_STATUS_CHECK_INTERVAL_SECONDS", default=10)
CAF_JOB_SERVICE_PAGE_SIZE = env.int("CAF_JOB_SERVICE_PAGE_SIZE", default=0)
CAF_CANCEL_JOBS_BATCH_LIMIT = env.int("CAF_CANCEL_JOBS_BATCH_LIMIT", default=100)
CAF_DELETE_JOBS_BATCH_LIMIT = env.int("CAF_DELETE_JOBS_BATCH_LIMIT", default=100)
CAF_JOB_SERVICE_SUSPENDED_PARTITIONS_REGEX = env.str(
    "CAF_JOB_SERVICE_SUSPENDED_PARTITIONS_REGEX", default=""
)
CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = env.str(
    "CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR", default=""
)
# Queue of the job tracking worker (trackingPipe of dispatched tasks).
CAF_TRACKING_PIPE = env.str("CAF_TRACKING_PIPE", default="jobtracking-in")
# Tracker (run_tracker): INVALID_TASK answers go to the error queue, refused input (undecodable,
# bad reports, unknown jobs) to the reject queue with the reason in a header.
CAF_TRACKING_ERROR_QUEUE = env.str("CAF_TRACKING_ERROR_QUEUE", default="jobtracking-err")
CAF_TRACKING_REJECT_QUEUE = env.str("CAF_TRACKING_REJECT_QUEUE", default="jobtracking-reject")
# Seconds between scheduler sweeps of the outbox.
CAF_SCHEDULED_EXECUTOR_PERIOD = env.float("CAF_SCHEDULED_EXECUTOR_PERIOD", default=2.0)
# Queue where workers divert the messages of paused jobs; `run_paused_store` keeps them until
# resume (undecodable ones go to `<queue>-reject`). JOBSERVICE_PAUSED_QUEUE is an alias.
CAF_WORKER_PAUSED_QUEUE = env.str(
    "CAF_WORKER_PAUSED_QUEUE", default=env.str("JOBSERVICE_PAUSED_QUEUE", default="worker-paused")
)

# --- Batch worker (manage.py run_batch_worker; batching/) -----------------------------------
# BATCH_WORKER_QUEUE is the name the shipped job types use for this queue.
BATCH_WORKER_INPUT_QUEUE = env.str(
    "BATCH_WORKER_INPUT_QUEUE", default=env.str("BATCH_WORKER_QUEUE", default="batch-in")
)
# Results and failures of batches. RETURN_ALL (the original's default) sends a result per
# batch message; RETURN_NONE sends none; RETURN_ONLY_IF_ZERO_SUBTASKS only for empty batches.
BATCH_WORKER_OUTPUT_QUEUE = env.str("BATCH_WORKER_OUTPUT_QUEUE", default="batch-out")
BATCH_WORKER_RETURN_VALUE_BEHAVIOUR = env.str("BATCH_WORKER_RETURN_VALUE_BEHAVIOUR", default="RETURN_ALL")
# Splitting plugins cut a batch into at most BATCH_FANOUT sub-batches until it has at most
# BATCH_LEAF_SIZE items (per job: taskMessageParams fanout / leafSize).
BATCH_FANOUT = env.int("BATCH_FANOUT", default=10)
BATCH_LEAF_SIZE = env.int("BATCH_LEAF_SIZE", default=100)
# Bounds of those two, whoever sets them (a job's params or the settings above); a value out of
# bounds fails the batch with a message. Fan-out at least 2 (1 would split forever) and at most
# 1000: one split is then one confirmed chunk of messages (delivery.PUBLISH_CHUNK), and more
# sub-batches than worker instances buy no parallelism. Leaf size at most 100,000: a leaf is
# one message whose items are all sent again if it is redelivered, and it holds its worker
# for seconds, not minutes.
BATCH_MAX_FANOUT = env.int("BATCH_MAX_FANOUT", default=1000)
BATCH_MAX_LEAF_SIZE = env.int("BATCH_MAX_LEAF_SIZE", default=100_000)
# Items one batch job may describe. Plugins that know their size (ranges, id lists) refuse a
# bigger definition at once (`1-999999999999999999` fails instead of publishing for ever); for
# the others, one message may register no more subtasks than this (docs/batching.md, "Limits").
BATCH_MAX_ITEMS = env.int("BATCH_MAX_ITEMS", default=10_000_000)
# Size of a batch task's payload (definition and params), checked before it is parsed: the
# worker parses a definition whole (4 MiB is ~100,000 UUIDs in an id list); bigger selections
# belong in a plugin that reads them where they are (a range, a folder, a query).
BATCH_MAX_TASK_DATA_BYTES = env.int("BATCH_MAX_TASK_DATA_BYTES", default=4 * 1024 * 1024)
# Folder the GlobPattern plugin searches (globs are relative to it; nothing outside it).
# The example worker reads the items' paths under EXAMPLE_WORKER_DOCUMENT_ROOT: same default.
BATCH_FILES_ROOT = env.str("BATCH_FILES_ROOT", default=str(DATA_DIR / "documents"))
# GlobPattern definitions: at most this many `**` and characters. The matcher is linear
# whatever the pattern; the bounds keep patterns to what a person writes (every `**` also makes
# every folder below a sub-batch).
BATCH_GLOB_MAX_DOUBLE_STARS = env.int("BATCH_GLOB_MAX_DOUBLE_STARS", default=3)
BATCH_GLOB_MAX_LENGTH = env.int("BATCH_GLOB_MAX_LENGTH", default=1024)
# Extra plugins and task message builders: name -> dotted path (entry points
# jobservice.batch_plugins / jobservice.task_builders work too).
BATCH_PLUGINS: dict[str, str] = {}
BATCH_TASK_BUILDERS: dict[str, str] = {}
# Whether a batchType/taskMessageType may also be a dotted path to a class (as the original
# accepts a class name). Off: a job would otherwise choose which module the worker imports, and
# importing runs code. On, only modules under BATCH_DOTTED_PATH_PREFIXES (comma-separated,
# whole components: `myapp.plugins` allows `myapp.plugins.x.Y`, not `myapp.pluginsx.Y`) are
# imported; an empty list allows none.
BATCH_ALLOW_DOTTED_PATHS = env.bool("BATCH_ALLOW_DOTTED_PATHS", default=False)
BATCH_DOTTED_PATH_PREFIXES = env.list("BATCH_DOTTED_PATH_PREFIXES", default=[])
# Workers (manage.py run_example_worker): deliveries of a task before it is poison.
CAF_WORKER_RETRY_LIMIT = env.int("CAF_WORKER_RETRY_LIMIT", default=10)
# The example worker: its queues (as the job types name them) and the folder its `path`s are in.
EXAMPLE_WORKER_QUEUE = env.str("EXAMPLE_WORKER_QUEUE", default="example-in")
EXAMPLE_WORKER_OUTPUT_QUEUE = env.str("EXAMPLE_WORKER_OUTPUT_QUEUE", default="example-out")
EXAMPLE_WORKER_DOCUMENT_ROOT = Path(
    env.str("EXAMPLE_WORKER_DOCUMENT_ROOT", default=str(DATA_DIR / "documents"))
)

# --- Framework ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["jobs.auth.authentication.BearerTokenAuthentication"],
    # Closed by default: a view that says nothing needs a valid token (docs/security.md).
    "DEFAULT_PERMISSION_CLASSES": ["jobs.auth.permissions.ApiTokenRequired"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "jobs.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Job Service",
    "DESCRIPTION": "Sends tasks to background workers, tracks their progress, and lets users "
    "pause, resume and cancel them. Compatible with the CAF Job Service API v1. Every call but "
    "ping needs an API token (`Authorization: Bearer <token>`, from `manage.py create_api_token`) "
    "unless the service runs with JOBSERVICE_API_AUTH=none.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/job-service/v1",
}

# Operators' passwords (manage.py create_operator, the admin's password change).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder on every start
# Static files (admin, Swagger UI) are served by the app itself, with no collectstatic step.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Its start-up banner on every command; its failed sign-ins and lockouts stay visible.
        "axes.apps": {"level": "WARNING"},
    },
}
