"""URLs of this service as its clients and workers reach it: always built from the configured
public URL (CAF_WEBSERVICE_URL), never from a request's Host header, which a client chooses."""
from urllib.parse import quote, urlencode

from django.conf import settings

from jobs.auth.status_signature import SIGNATURE_PARAMETER, status_signature


def job_url(partition_id: str, job_id: str) -> str:
    """`<CAF_WEBSERVICE_URL>/partitions/<p>/jobs/<j>` with each id URI-encoded."""
    base = settings.CAF_WEBSERVICE_URL.rstrip("/")
    return f"{base}/partitions/{quote(partition_id, safe='')}/jobs/{quote(job_id, safe='')}"


def status_check_url(partition_id: str, job_id: str) -> str:
    """The job's status URL, signed so that a worker may follow it without a token."""
    signature = urlencode({SIGNATURE_PARAMETER: status_signature(partition_id, job_id)})
    return f"{job_url(partition_id, job_id)}/status?{signature}"
