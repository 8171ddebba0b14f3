"""HTML bits of the job admin: status badges, progress bars, times."""
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime


def display_time(value: Any) -> str:
    # Compact and to the second: keeps the list narrow and shows the page's updates tick.
    return localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else "-"


def status_badge(status: str) -> SafeString:
    return format_html(
        '<span class="job-status job-status-{}" data-job-status>{}</span>', status.lower(), status
    )


def progress_bar(percentage: float) -> SafeString:
    shown = max(0.0, min(100.0, percentage or 0.0))
    return format_html(
        '<span class="job-progress" data-job-progress title="{}%"><span style="width: {}%"></span></span>'
        ' <span class="job-percent" data-job-percent>{}%</span>',
        f"{shown:g}", f"{shown:.1f}", f"{shown:.0f}",
    )
