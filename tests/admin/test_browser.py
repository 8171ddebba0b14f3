"""An operator in a real headless Chromium: signs in, filters the job list, opens a job,
watches its progress refresh by itself, and cancels it with the confirmation step.

Screenshots of the list and the job page go to artifacts/ (not committed).
"""
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from jobs.models import Job, JobDependency
from jobs.states import JobStatus
from tests.admin.conftest import OPERATOR_PASSWORD, MakeJob
from tests.conftest import skip_or_fail

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1000",
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    chromium = shutil.which("chromium")
    if chromium is None or not Path(CHROMEDRIVER).exists():
        skip_or_fail("needs chromium and chromium-driver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_text(driver: WebDriver, selector: str, text: str, seconds: float = 10) -> None:
    WebDriverWait(driver, seconds).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text)
    )


@pytest.mark.browser
def test_operator_filters_opens_and_cancels_a_job(
    transactional_db: None, live_server, browser: WebDriver, make_job: MakeJob
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    User.objects.create_superuser("operator", "operator@example.com", OPERATOR_PASSWORD)
    target = make_job("import-42", name="Nightly import", status=JobStatus.ACTIVE, percentage=40,
                      labels={"team": "ops"})
    dependent = make_job("publish-43", name="Publish", status=JobStatus.WAITING)
    JobDependency.objects.create(job=dependent, partition_id="tenant-a", prerequisite_job_id="import-42")
    make_job("report-7", name="Monthly report", status=JobStatus.COMPLETED, percentage=100)
    make_job("export-3", name="Export", status=JobStatus.PAUSED, percentage=10, partition_id="tenant-b")

    # Sign in through the login form (the admin sends anonymous visitors there).
    browser.get(live_server.url + "/admin/jobs/job/")
    browser.find_element(By.NAME, "username").send_keys("operator")
    browser.find_element(By.NAME, "password").send_keys(OPERATOR_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for_text(browser, "#result_list", "import-42")
    assert "report-7" in browser.find_element(By.ID, "result_list").text

    # Filter by status.
    browser.find_element(By.CSS_SELECTOR, "#changelist-filter a[href*='status__exact=Active']").click()
    WebDriverWait(browser, 10).until(lambda driver: "status__exact=Active" in driver.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert [row.find_element(By.CSS_SELECTOR, "th").text for row in rows] == ["import-42"]
    browser.save_screenshot(str(ARTIFACTS / "admin_job_list.png"))

    # Open the job; its progress refreshes by itself.
    browser.find_element(By.LINK_TEXT, "import-42").click()
    wait_for_text(browser, "[data-job-status]", "Active")
    Job.objects.filter(pk=target.pk).update(percentage_complete=75.0)
    wait_for_text(browser, "[data-job-percent]", "75%")
    assert not browser.find_element(By.ID, "job-status-changed").is_displayed()
    assert "publish-43" in browser.find_element(By.ID, "job-dependents").text
    browser.set_window_size(1400, 1900)
    browser.save_screenshot(str(ARTIFACTS / "admin_job_page.png"))
    browser.set_window_size(1400, 1000)

    # Cancel it, confirming on the intermediate page.
    browser.find_element(By.CSS_SELECTOR, "a.job-operation-cancel").click()
    wait_for_text(browser, "#content", "Are you sure you want to cancel this job?")
    browser.save_screenshot(str(ARTIFACTS / "admin_cancel_confirmation.png"))
    browser.find_element(By.ID, "confirm-operation").click()

    wait_for_text(browser, "ul.messagelist", "1 cancelled (import-42)")
    wait_for_text(browser, "[data-job-status]", "Cancelled")
    # Cancelling the prerequisite cancelled the job waiting for it (the service's rule).
    assert Job.objects.get(pk=dependent.pk).status == JobStatus.CANCELLED
    assert Job.objects.get(pk=target.pk).status == JobStatus.CANCELLED
    browser.save_screenshot(str(ARTIFACTS / "admin_job_cancelled.png"))
