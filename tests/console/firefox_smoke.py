"""fanoutd's web console in a real Firefox: Debian's firefox-esr (headless), driven by Selenium 4
through geckodriver, against a real fanoutd on loopback. Opt-in (`make test-firefox`, which runs
`scripts/bootstrap --firefox` first); the Chromium suite next to it (console.test.mjs) runs in
make test. Same pages and selectors as console.test.mjs, on a smaller fixture made with boto3.

JavaScript errors: the session runs with WebDriver BiDi, so every uncaught exception, unhandled
promise rejection and console.error of the page reaches this process (log.entryAdded); a BiDi
preload script also installs window.onerror / unhandledrejection collectors before the console's
own scripts run (and a securitypolicyviolation collector: the console is served with a strict
Content-Security-Policy). Both are asserted empty after every page, and a deliberate error at the end
proves the two channels do see errors.

Environment: FANOUTD_BIN (default build-asan's fanoutd), GECKODRIVER (default: PATH, then
~/.cargo/bin), FIREFOX_BIN (default /usr/bin/firefox-esr), FIREFOX_ARTIFACTS (screenshots,
geckodriver log; default a fresh temp dir, printed).
"""
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import boto3
import pytest
from botocore.config import Config
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.firefox.service import Service
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from fanoutd_process import Fanoutd  # noqa: E402

DEFAULT_BIN = REPO / "build-asan" / "apps" / "fanoutd" / "fanoutd"
os.environ.setdefault("FANOUTD_BIN", str(DEFAULT_BIN))
FIREFOX = os.environ.get("FIREFOX_BIN", "/usr/bin/firefox-esr")
ARTIFACTS = Path(os.environ.get("FIREFOX_ARTIFACTS") or tempfile.mkdtemp(prefix="fanout-firefox-"))
ARTIFACTS.mkdir(parents=True, exist_ok=True)

QUEUE = "ff-orders"
TOPIC = "ff-events"
BUCKET = "ff-landing"
OBJECT_KEY = "landing_date=2026-11-28/events-0001.json"
OBJECT_BODY = "\n".join(json.dumps({"consumerId": f"c-{i}", "n": i, "source": "firefox-smoke"}) for i in range(3)) + "\n"

# Installed before any script of the page runs (BiDi script.addPreloadScript).
ERROR_COLLECTOR = """() => {
  window.__fanoutErrors = [];
  window.addEventListener('error', (e) => window.__fanoutErrors.push('error: ' + (e.message || e.type) + ' @ ' + (e.filename || '') + ':' + (e.lineno || '')));
  window.addEventListener('unhandledrejection', (e) => window.__fanoutErrors.push('unhandledrejection: ' + String(e.reason && (e.reason.stack || e.reason))));
  document.addEventListener('securitypolicyviolation', (e) => window.__fanoutErrors.push('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
}"""


def geckodriver_path():
    found = os.environ.get("GECKODRIVER") or shutil.which("geckodriver")
    if not found and (Path.home() / ".cargo/bin/geckodriver").is_file():
        found = str(Path.home() / ".cargo/bin/geckodriver")
    return found


def aws(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}, read_timeout=30))


@pytest.fixture(scope="module")
def server():
    print(f"\nfirefox smoke: artifacts (screenshots, logs) in {ARTIFACTS}", flush=True)
    if not Path(os.environ["FANOUTD_BIN"]).is_file() and not shutil.which(os.environ["FANOUTD_BIN"]):
        pytest.fail(f"no fanoutd at {os.environ['FANOUTD_BIN']} (make build-asan, or set FANOUTD_BIN)")
    fanoutd = Fanoutd(durability="memory")
    fanoutd.start()
    yield fanoutd
    code = fanoutd.stop()
    shutil.copy(fanoutd.log_path, ARTIFACTS / "fanoutd.log")
    fanoutd.close()
    # A clean stop exits 0; a sanitizer report (ASan build) makes it fail.
    assert code == 0, f"fanoutd exited with {code}; see {ARTIFACTS / 'fanoutd.log'}"


@pytest.fixture(scope="module")
def resources(server):
    sqs, sns, s3 = aws("sqs", server.endpoint), aws("sns", server.endpoint), aws("s3", server.endpoint)
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic_arn = sns.create_topic(Name=TOPIC)["TopicArn"]
    sub_arn = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=OBJECT_KEY, Body=OBJECT_BODY.encode(), ContentType="application/json")
    return {"sqs": sqs, "sns": sns, "s3": s3, "queue_url": queue_url, "queue_arn": queue_arn,
            "topic_arn": topic_arn, "sub_arn": sub_arn}


class BrowserErrors:
    """JavaScript errors the page raised, from both channels."""

    def __init__(self, driver):
        self.driver = driver
        self.bidi = []
        self._lock = threading.Lock()
        driver.script.add_javascript_error_handler(self._on_js_error)
        driver.script.add_console_message_handler(self._on_console)
        driver.script.add_preload_script(ERROR_COLLECTOR)

    def _on_js_error(self, entry):
        with self._lock:
            self.bidi.append(f"javascript: {getattr(entry, 'text', entry)}")

    def _on_console(self, entry):
        if getattr(entry, "level", "") == "error":
            with self._lock:
                self.bidi.append(f"console.error: {getattr(entry, 'text', entry)}")

    def page(self):
        return self.driver.execute_script("return window.__fanoutErrors === undefined ? null : window.__fanoutErrors.slice()")

    def assert_none(self, where):
        time.sleep(0.2)  # let in-flight log events arrive
        page = self.page()
        assert page is not None, f"{where}: the preload error collector is not installed"
        with self._lock:
            bidi = list(self.bidi)
        assert not bidi and not page, f"{where}: JavaScript errors in Firefox: {bidi + page}"


@pytest.fixture(scope="module")
def browser():
    gecko = geckodriver_path()
    if not gecko:
        pytest.fail("no geckodriver on PATH or in ~/.cargo/bin: run scripts/bootstrap --firefox")
    if not Path(FIREFOX).is_file():
        pytest.fail(f"no Firefox at {FIREFOX}: run scripts/bootstrap --firefox")
    options = webdriver.FirefoxOptions()
    options.binary_location = FIREFOX
    options.add_argument("-headless")
    options.enable_bidi = True  # webSocketUrl: log events and preload scripts
    options.set_preference("browser.shell.checkDefaultBrowser", False)
    options.set_preference("datareporting.policy.dataSubmissionEnabled", False)
    options.set_preference("app.update.enabled", False)
    # The path given explicitly: Selenium Manager is skipped and downloads nothing.
    service = Service(executable_path=gecko, log_output=str(ARTIFACTS / "geckodriver.log"))
    driver = webdriver.Firefox(options=options, service=service)
    driver.set_window_size(1366, 850)
    print(f"firefox smoke: {driver.capabilities.get('browserName')} {driver.capabilities.get('browserVersion')}, "
          f"geckodriver {gecko}", flush=True)
    errors = BrowserErrors(driver)
    yield driver, errors
    driver.quit()


# The console re-renders its live tables on every poll (once a second), so an element found a
# moment ago can be gone: every wait retries on a stale element, reads happen in one script call,
# and clicks go through click() below.
def wait(driver, timeout=15):
    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def wait_for(driver, css, timeout=15):
    return wait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, css),
                                       message=f"no {css} after {timeout} s")


def texts(driver, css):
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0]), (e) => e.textContent)", css)


def click(driver, css, text=None, timeout=15):
    """Clicks the first element matching css (and whose text is `text`), retrying when a poll replaced it."""
    def attempt(d):
        for el in d.find_elements(By.CSS_SELECTOR, css):
            if text is None or el.text == text:
                el.click()
                return True
        return False
    wait(driver, timeout).until(attempt, message=f"nothing to click at {css}" + (f" with text {text!r}" if text else ""))


def shot(driver, name):
    driver.save_screenshot(str(ARTIFACTS / name))


def status_text(driver):
    return driver.find_element(By.ID, "status").text


def test_overview_redirect_and_graph(server, resources, browser):
    driver, errors = browser
    # Traffic for live edges: publish to the topic every 100 ms while the overview polls.
    stop = threading.Event()

    def publish():
        sns = aws("sns", server.endpoint)
        i = 0
        while not stop.is_set():
            sns.publish(TopicArn=resources["topic_arn"], Message=json.dumps({"n": i, "source": "firefox-smoke"}))
            i += 1
            stop.wait(0.1)

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    try:
        driver.get(server.endpoint + "/")
        wait(driver).until(lambda d: "/_fanout/console/" in d.current_url, message="no redirect to the console")
        assert driver.current_url.split("#")[0].endswith("/_fanout/console/"), driver.current_url
        wait_for(driver, 'svg[data-test="graph"]')
        wait(driver).until(lambda d: any(TOPIC in t for t in texts(d, 'svg[data-test="graph"] text')),
                           message="topic node not drawn")
        wait_for(driver, f'svg[data-test="graph"] g[data-node="q:{QUEUE}"]')
        wait_for(driver, 'svg[data-test="graph"] g.node.bucket')
        wait_for(driver, 'svg[data-test="graph"] g.node.sub')
        # The rendered SVG has a real size in Firefox (an SVG sized only by viewBox can collapse).
        size = driver.execute_script("const r = document.querySelector('svg[data-test=\"graph\"]').getBoundingClientRect(); return [r.width, r.height];")
        assert size[0] > 300 and size[1] > 50, f"graph box {size}"
        wait_for(driver, "path.edge.live", timeout=15)
        wait_for(driver, f'#summary tr[data-queue="{QUEUE}"]')
    finally:
        stop.set()
        publisher.join()
    shot(driver, "firefox-overview.png")
    assert status_text(driver) == ""
    errors.assert_none("overview")


def cell(driver, queue, column):
    cells = texts(driver, f'tr[data-queue="{queue}"] td')
    return cells[column].strip() if len(cells) > column else ""


def test_queues_page_updates_live(server, resources, browser):
    driver, errors = browser
    driver.get(server.endpoint + "/_fanout/console/#/queues")
    wait_for(driver, f'tr[data-queue="{QUEUE}"]')
    wait(driver).until(lambda d: cell(d, QUEUE, 1).isdigit(), message="no Available count")
    before = int(cell(driver, QUEUE, 1))
    # A marker that a reload would wipe: the counts must change by polling, not by navigation.
    driver.execute_script("window.__noReload = 'still here';")
    for i in range(5):
        resources["sqs"].send_message(QueueUrl=resources["queue_url"], MessageBody=json.dumps({"direct": i, "source": "firefox-smoke"}))
    wait(driver).until(lambda d: cell(d, QUEUE, 1).isdigit() and int(cell(d, QUEUE, 1)) >= before + 5,
                       message=f"Available stayed at {cell(driver, QUEUE, 1)} (was {before}, sent 5)")
    assert driver.execute_script("return window.__noReload") == "still here", "the page reloaded"
    # The rates chart (uPlot) drew into its card.
    wait_for(driver, ".card.chart .uplot canvas")
    shot(driver, "firefox-queues.png")
    assert status_text(driver) == ""
    errors.assert_none("queues")


def test_queue_page_peeks(server, resources, browser):
    driver, errors = browser
    driver.get(server.endpoint + f"/_fanout/console/#/queue/{QUEUE}")
    wait_for(driver, 'tr[data-test="counts"]')
    click(driver, "#peek-button")
    body = wait_for(driver, 'table[data-test="peek"] pre.body')
    # The first messages are SNS envelopes (the subscription is not raw): the published JSON is in Message.
    assert '"Type": "Notification"' in body.text and "firefox-smoke" in body.text, body.text
    receives = [td.text for td in driver.find_elements(By.CSS_SELECTOR, 'table[data-test="peek"] tbody tr td:nth-child(3)')]
    assert receives and all(r == "0" for r in receives), f"receive counts {receives}"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", body)
    shot(driver, "firefox-queue.png")
    # Peeking consumed nothing.
    attrs = resources["sqs"].get_queue_attributes(QueueUrl=resources["queue_url"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert status_text(driver) == ""
    errors.assert_none("queue")


def test_bucket_browser_reaches_landing_date_object(server, resources, browser):
    driver, errors = browser
    driver.get(server.endpoint + "/_fanout/console/#/buckets")
    click(driver, 'table[data-test="buckets"] a', text=BUCKET)
    click(driver, 'tr[data-prefix^="landing_date="] a', text="landing_date=2026-11-28/")
    click(driver, 'table[data-test="objects"] tr[data-key] a', text="events-0001.json")
    wait(driver).until(lambda d: "firefox-smoke" in d.find_element(By.ID, "object-content").text, message="object content not shown")
    content = driver.find_element(By.ID, "object-content").text
    assert '"consumerId"' in content
    assert "3 JSON lines" in driver.find_element(By.ID, "object-note").text
    assert "landing_date=2026-11-28/" in unquote(driver.current_url), driver.current_url
    shot(driver, "firefox-object.png")
    assert status_text(driver) == ""
    errors.assert_none("bucket browser")


def test_topics_page_shows_subscription(server, resources, browser):
    driver, errors = browser
    driver.get(server.endpoint + "/_fanout/console/#/topics")
    wait_for(driver, f'section[data-topic="{TOPIC}"]')
    rows = texts(driver, f'section[data-topic="{TOPIC}"] tbody tr')
    assert len(rows) == 1, rows
    cells = [c.strip() for c in texts(driver, f'section[data-topic="{TOPIC}"] tbody tr td')]
    assert cells[0] == "sqs" and cells[1] == resources["queue_arn"], cells
    assert int(cells[4]) > 0, f"delivered {cells[4]}"
    shot(driver, "firefox-topics.png")
    assert status_text(driver) == ""
    errors.assert_none("topics")


def test_error_collectors_see_errors(server, browser):
    """The error checks above are not vacuous: a deliberate uncaught error reaches both channels."""
    driver, errors = browser
    # BiDi script.callFunction runs in the page's own realm (the console's Content-Security-Policy
    # would block an injected inline <script>), so the timer's error is the page's uncaught error.
    driver.script.execute("() => { setTimeout(() => { throw new Error('deliberate firefox-smoke error'); }, 0); }")
    wait(driver, 10).until(lambda d: any("deliberate" in e for e in errors.page()), message="window.onerror collector missed it")
    wait(driver, 10).until(lambda d: any("deliberate" in e for e in errors.bidi), message="BiDi log.entryAdded missed it")
    # An inline <script> breaks the console's Content-Security-Policy: the violation is collected too.
    driver.script.execute("() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.append(s); }")
    wait(driver, 10).until(lambda d: any(e.startswith("CSP violation") for e in errors.page()), message="CSP collector missed it")
    assert driver.execute_script("return window.__inline") is None, "the inline script ran despite the CSP"
