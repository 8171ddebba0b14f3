// Keeps the job page's status, progress and last update current: polls the staff-only
// progress view every few seconds while the tab is visible, without reloading the page.
(function () {
    "use strict";
    var POLL_MS = 3000;
    var script = document.getElementById("job-progress-poller");
    if (!script) { return; }
    var url = script.dataset.progressUrl;
    var shownStatus = null;

    function show(data) {
        document.querySelectorAll("[data-job-status]").forEach(function (badge) {
            if (shownStatus === null) { shownStatus = badge.textContent; }
            badge.textContent = data.status;
            badge.className = "job-status job-status-" + data.status.toLowerCase();
        });
        var percent = Math.max(0, Math.min(100, data.percentageComplete || 0));
        document.querySelectorAll("[data-job-progress] > span").forEach(function (bar) {
            bar.style.width = percent.toFixed(1) + "%";
        });
        document.querySelectorAll("[data-job-percent]").forEach(function (text) {
            text.textContent = Math.round(percent) + "%";
        });
        document.querySelectorAll("[data-job-updated]").forEach(function (text) {
            text.textContent = data.lastUpdateDisplay;
        });
        // The operation buttons depend on the status: offer a reload when it changed.
        var note = document.getElementById("job-status-changed");
        if (note && shownStatus !== null && data.status !== shownStatus) { note.hidden = false; }
    }

    function poll() {
        if (document.hidden) { return; }
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(function (data) { if (data) { show(data); } })
            .catch(function () { /* a missed poll is retried at the next tick */ });
    }

    setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", poll);
})();
