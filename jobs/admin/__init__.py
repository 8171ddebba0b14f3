"""The operators' admin. Importing the package registers JobAdmin and ApiTokenAdmin (admin
autodiscovery)."""
from jobs.admin.job_admin import JobAdmin
from jobs.admin.token_admin import ApiTokenAdmin

__all__ = ["ApiTokenAdmin", "JobAdmin"]
