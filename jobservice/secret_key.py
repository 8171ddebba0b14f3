"""Settings helpers of the trust boundary: where the secret key comes from, and the proxy
header that says a request came in over TLS (docs/security.md)."""
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# Written by scripts/serve (mode 0600) when DJANGO_SECRET_KEY is not set, so that the quick
# start and the manage.py commands run beside it share one key without any configuration.
DATA_DIR_KEY_FILE = "secret_key"
# Only with DJANGO_DEBUG=true: a development server must not need any setup.
DEBUG_KEY = "django-insecure-development-only-never-use-this-key-in-a-deployment"


def read_secret_key(env: environ.Env, *, data_dir: Path, debug: bool) -> str:
    """DJANGO_SECRET_KEY, else the file DJANGO_SECRET_KEY_FILE names, else the key file of the
    data folder (scripts/serve); a constant only when DEBUG; otherwise refuse to start."""
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    key_file = env.str("DJANGO_SECRET_KEY_FILE", default="")
    if key_file:
        try:
            key = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FILE {key_file}: {error.strerror}") from None
        if not key:
            raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FILE {key_file} is empty")
        return key
    generated = data_dir / DATA_DIR_KEY_FILE
    if generated.is_file():
        key = generated.read_text(encoding="utf-8").strip()
        if key:
            return key
    if debug:
        return DEBUG_KEY
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Set it to a long random value, the same for every process "
        "of the service, e.g. DJANGO_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') "
        "(or DJANGO_SECRET_KEY_FILE=<path>; scripts/serve keeps one in the data folder). See docs/security.md."
    )


def proxy_ssl_header(value: list[str]) -> tuple[str, str] | None:
    """`HTTP_X_FORWARDED_PROTO,https` -> Django's SECURE_PROXY_SSL_HEADER tuple; empty -> None."""
    if not value:
        return None
    if len(value) != 2 or not value[0].startswith("HTTP_"):
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must be '<HTTP_HEADER_NAME>,<value>', e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    return value[0], value[1]
