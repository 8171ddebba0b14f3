"""Write paths of the tracker: applying reports, releasing and failing dependents, cleanup."""
from tracking.services.apply import BatchOutcome, tracking_reports_apply

__all__ = ["BatchOutcome", "tracking_reports_apply"]
