from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from jobs.auth import schema  # noqa: F401 (registers the OpenAPI security scheme)
        from jobs.auth.checks import check_api_authentication
        from jobs.job_types.checks import check_job_type_definitions

        # Invalid job type definitions stop runserver/migrate/check at start-up.
        checks.register(check_job_type_definitions)
        checks.register(check_api_authentication, checks.Tags.security, deploy=True)
