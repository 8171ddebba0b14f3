"""The operators' admin. Importing the package registers JobAdmin (admin autodiscovery)."""
from jobs.admin.job_admin import JobAdmin

__all__ = ["JobAdmin"]
