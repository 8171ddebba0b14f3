"""Signed status check URLs: how workers of the original, which send no token, may still ask
about their job (docs/security.md, "Status checks of workers").

The dispatcher adds `?signature=<hmac>` to the statusCheckUrl of every task; workers follow the
URL as they got it. A valid signature lets its holder read the status (and isActive) of that
one job and nothing else. The HMAC is keyed with a key derived from SECRET_KEY (one purpose,
one key), so every process of a deployment signs and checks alike; the keys of
SECRET_KEY_FALLBACKS are still accepted, as tasks in flight carry URLs signed before a rotation.
"""
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

SIGNATURE_PARAMETER = "signature"
_PURPOSE = b"jobservice.status-check-url"
# 128 bits of the SHA-256 HMAC: far beyond guessing, and a short URL.
_HEX_LENGTH = 32


@lru_cache(maxsize=8)
def _derived_key(secret_key: str) -> bytes:
    # Computed once per key: the dispatcher signs thousands of tasks per second.
    return hmac.new(secret_key.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _signature(key: str, partition_id: str, job_id: str) -> str:
    # NUL cannot occur in either id (the API refuses it), so the pair is unambiguous.
    message = f"{partition_id}\x00{job_id}".encode()
    return hmac.digest(_derived_key(key), message, "sha256").hex()[:_HEX_LENGTH]


def status_signature(partition_id: str, job_id: str) -> str:
    return _signature(settings.SECRET_KEY, partition_id, job_id)


def is_valid_status_signature(signature: str | None, partition_id: str, job_id: str) -> bool:
    if not signature or len(signature) != _HEX_LENGTH:
        return False
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    # Every key is tried (no early exit), each comparison in constant time.
    matches = [hmac.compare_digest(signature, _signature(key, partition_id, job_id)) for key in keys]
    return any(matches)
