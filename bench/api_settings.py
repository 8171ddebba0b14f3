"""Settings of the API benchmark server: the service's own, plus a no-database endpoint
(bench/api_urls.py) that is never served by the real service."""
from jobservice.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
