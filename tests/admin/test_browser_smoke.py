"""One smoke test in a real headless Chromium: sign in, approve a porting request, see the dashboard.

Uses Debian's chromium + chromium-driver (installed by ./dev when run as root);
skipped, saying why, where they are missing.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000")


@pytest.fixture
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (./dev installs them when run as root)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="aybiza-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    os.environ.setdefault("SE_AVOID_STATS", "true")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_login_approve_porting_and_dashboard(browser, live_server, clean_spec_tables):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    def wait_for(css):
        """After a click that navigates, wait for the next page instead of reading the old one."""
        return WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    from tests import factories as f

    user = f.UserFactory(ops_superuser=True, email="smoke@aybiza.example")
    porting = f.PortingRequestFactory(status="in_progress")

    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys(user.email)
    browser.find_element(By.ID, "id_password").send_keys(f.DEFAULT_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form input[type=submit]").click()
    wait_for("figure.aybiza-chart svg")
    assert "AYBIZA ops console" in browser.page_source
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.aybiza-chart svg")) == 4

    browser.get(f"{live_server.url}/admin/telephony/portingrequest/{porting.pk}/change/")
    wait_for("a.aybiza-flow-approve").click()
    wait_for("#id_reason").send_keys("Letter of authorization checked")
    browser.find_element(By.NAME, "_confirm").click()
    wait_for("ul.messagelist, p.errornote, ul.errorlist")
    messages = browser.find_elements(By.CSS_SELECTOR, "ul.messagelist, p.errornote, ul.errorlist")
    assert messages and "Approve: done" in messages[0].text, browser.page_source[-3000:]
    porting.refresh_from_db()
    assert porting.status == "approved" and porting.processed_by_id == user.pk

    browser.get(f"{live_server.url}/admin/?period=30d")
    wait_for("figure.aybiza-chart svg")
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.aybiza-chart svg")
    assert len(charts) == 4 and all(chart.size["width"] > 100 for chart in charts)
