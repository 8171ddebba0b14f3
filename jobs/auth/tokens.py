"""Making and checking API tokens.

A token as a client sends it: `jst_<key_id>_<secret>`. `key_id` (public, 16 hex characters)
finds the row; the secret (256 random bits, URL-safe) is compared by its SHA-256, in constant
time. The `jst_` prefix lets secret scanners recognise a leaked token.
"""
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from jobs.auth.models import ApiToken, Right
from jobs.auth.patterns import join_patterns

PREFIX = "jst"
# Last use is recorded at this resolution: one write per token per minute at most, not one per
# request (status checks of busy clients would otherwise write all the time).
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_secret(token: ApiToken) -> str:
    """Gives `token` a new secret (not saved); returns the token string to hand out, once."""
    token.key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    token.secret_hash = _hash(secret)
    return f"{PREFIX}_{token.key_id}_{secret}"


@transaction.atomic
def api_token_create(
    *,
    name: str,
    partitions: Iterable[str],
    rights: Iterable[Right],
    job_types: Iterable[str] = ("*",),
    raw_tasks: bool = False,
    task_pipes: Iterable[str] = (),
    expires_at: dt.datetime | None = None,
    replace: bool = False,
) -> tuple[ApiToken, str]:
    """Creates the token (replacing the one of that name when `replace`); returns it and the
    string the client sends, which is never shown again. ValidationError on bad input."""
    rights = set(rights)
    token = ApiToken(
        name=name,
        partitions=join_patterns(partitions),
        may_read=Right.READ in rights,
        may_create=Right.CREATE in rights,
        may_operate=Right.OPERATE in rights,
        job_types=join_patterns(job_types),
        raw_tasks=raw_tasks,
        task_pipes=join_patterns(task_pipes),
        expires_at=expires_at,
    )
    presented = issue_secret(token)
    if replace:
        ApiToken.objects.filter(name=name).delete()
    token.full_clean()
    token.save()
    return token, presented


def api_token_authenticate(presented: str) -> ApiToken | None:
    """The live token `presented` stands for, or None (malformed, unknown, wrong secret,
    expired). Records its use (at most once per LAST_USE_RESOLUTION)."""
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or not secret or len(key_id) > 16:
        return None
    token = ApiToken.objects.filter(key_id=key_id).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if token.is_expired(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
