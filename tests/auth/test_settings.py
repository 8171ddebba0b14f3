"""Settings that are safe by default: no constant secret key outside DEBUG, the loopback host
names, links built from the configured public URL, and `check --deploy` clean with the
documented production configuration (docs/security.md, "Deploying")."""
import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from jobservice.secret_key import DEBUG_KEY, proxy_ssl_header, read_secret_key
from tests.auth.conftest import raw_task

ROOT = Path(settings.BASE_DIR)
# The production configuration of docs/security.md, with example values.
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k2P0-for-tests-only-7vQm9xW4zT8rL1nB6cY3hJ5dF0gS2aE7uI9oK4pM",
    "CAF_WEBSERVICE_URL": "https://jobs.example.com/job-service/v1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py with only the given settings (no secret key unless given), a fresh data folder."""
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("DJANGO_", "JOBSERVICE_", "CAF_", "DATABASE_URL"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "jobservice.settings", "JOBSERVICE_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
def test_without_a_secret_key_the_service_refuses_to_start_and_says_why(tmp_path):
    result = manage(tmp_path, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.slow
def test_the_documented_production_configuration_passes_check_deploy(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.slow
def test_check_deploy_warns_when_the_api_runs_without_authentication(tmp_path):
    result = manage(tmp_path, "check", "--deploy", **PRODUCTION, JOBSERVICE_API_AUTH="none")
    assert "(jobs.W001) JOBSERVICE_API_AUTH=none" in result.stderr + result.stdout
    assert manage(tmp_path, "check", **PRODUCTION, JOBSERVICE_API_AUTH="none").returncode == 0  # only a warning


@pytest.mark.slow
def test_an_unknown_authentication_mode_is_refused(tmp_path):
    result = manage(tmp_path, "check", **PRODUCTION, JOBSERVICE_API_AUTH="off")
    assert result.returncode != 0
    assert "JOBSERVICE_API_AUTH must be 'token' or 'none', not 'off'" in result.stderr


def test_where_the_secret_key_comes_from(tmp_path, monkeypatch):
    def read(debug: bool = False) -> str:
        return read_secret_key(environ.Env(), data_dir=tmp_path, debug=debug)

    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.delenv("DJANGO_SECRET_KEY_FILE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is not set"):
        read()
    assert read(debug=True) == DEBUG_KEY  # a development server only
    (tmp_path / "secret_key").write_text("from-scripts-serve\n")
    assert read() == "from-scripts-serve"
    key_file = tmp_path / "elsewhere"
    key_file.write_text("from-a-file")
    monkeypatch.setenv("DJANGO_SECRET_KEY_FILE", str(key_file))
    assert read() == "from-a-file"
    monkeypatch.setenv("DJANGO_SECRET_KEY", "from-the-environment")
    assert read() == "from-the-environment"
    monkeypatch.delenv("DJANGO_SECRET_KEY")
    monkeypatch.setenv("DJANGO_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY_FILE"):
        read()


def test_the_proxy_ssl_header_setting():
    assert proxy_ssl_header([]) is None
    assert proxy_ssl_header(["HTTP_X_FORWARDED_PROTO", "https"]) == ("HTTP_X_FORWARDED_PROTO", "https")
    with pytest.raises(ImproperlyConfigured):
        proxy_ssl_header(["X-Forwarded-Proto", "https"])


def test_allowed_hosts_default_to_the_loopback_names_and_the_public_urls_host():
    assert {"localhost", "127.0.0.1", "[::1]"} <= set(settings.ALLOWED_HOSTS)
    assert "*" not in settings.ALLOWED_HOSTS


@pytest.mark.django_db
def test_a_request_for_another_host_is_refused(api_client):
    response = api_client.get("/job-service/v1/partitions/p/jobs", HTTP_HOST="evil.example")
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_location_of_a_new_job_comes_from_the_public_url_not_the_host(api_client, settings):
    settings.CAF_WEBSERVICE_URL = "https://jobs.example.com/job-service/v1"
    response = api_client.put("/job-service/v1/partitions/p%20q/jobs/j1", {"task": raw_task()}, format="json",
                              HTTP_HOST="localhost:8000")
    assert response.status_code == 201
    assert response["Location"] == "https://jobs.example.com/job-service/v1/partitions/p%20q/jobs/j1"


@pytest.mark.django_db
def test_an_anonymous_client_gets_no_session_or_csrf_cookie_from_the_api():
    response = APIClient().get("/job-service/v1/ping")
    assert not response.cookies
