"""The two things people look at, in a real browser (Debian's Chromium driven by Selenium through
Debian's chromium-driver; nothing is downloaded): the MLflow UI started by `discrep ui`, and
report.html, including one built from articles full of script-injection payloads.

Screenshots go to $DISCREP_ARTIFACTS/browser (default: artifacts/browser in the repository).
Without Chromium these tests skip with the reason; with DISCREP_REQUIRE_BROWSER=1 (set by .ci/run,
which installs Chromium) they fail instead, so CI cannot pass without running them.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("DISCREP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("DISCREP_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("DISCREP_ARTIFACTS") or ROOT / "artifacts") / "browser"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1000"]


def _need_browser():
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[dev]')")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    if not os.access(CHROMEDRIVER, os.X_OK):
        missing.append(f"chromedriver at {CHROMEDRIVER} (apt-get install chromium-driver)")
    if missing:
        msg = "browser tests need " + " and ".join(missing) + "; .ci/run installs them"
        if os.environ.get("DISCREP_REQUIRE_BROWSER"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session", autouse=True)
def _browser_first():
    """Skip (or fail) before any expensive fixture (training, scoring) is built."""
    _need_browser()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        opts.add_argument(f)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(90)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield drv
    drv.quit()


def _body(drv) -> str:
    from selenium.webdriver.common.by import By

    return drv.find_element(By.TAG_NAME, "body").text


def _wait(drv, cond, timeout=60, what="page"):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(drv, timeout, poll_frequency=0.5).until(lambda d: cond(d))
    except Exception:
        shot = ARTIFACTS / f"failed-{re.sub(r'[^a-z0-9]+', '-', what.lower())}.png"
        drv.save_screenshot(str(shot))
        raise AssertionError(f"timed out waiting for {what}; screenshot {shot}; page text:\n{_body(drv)[:3000]}")


def _screenshot(drv, name: str, width: int = 1400, height: int = 6000, fit: bool = True) -> Path:
    """A PNG of the page at ``width``: the whole document up to ``height`` px (``fit``), or a window
    of exactly that size (for apps such as MLflow's that scroll inside their own panes)."""
    if fit:
        full = drv.execute_script("return Math.max(document.body.scrollHeight, "
                                  "document.documentElement.scrollHeight)")
        height = min(int(full) + 20, height)
    drv.set_window_size(width, height)
    time.sleep(1.0)
    path = ARTIFACTS / name
    drv.save_screenshot(str(path))
    drv.set_window_size(1400, 1000)
    return path


# ------------------------------------------------------------------------------------------ MLflow UI
@pytest.fixture(scope="module")
def two_runs_home(tmp_path_factory):
    """Two tracked training runs (one Hydra sweep: logistic regression and gradient boosting on the
    fast structured features; SICK off) in a fresh store."""
    home = tmp_path_factory.mktemp("ui-home")
    r = run_cli(["train", "-m", "data.sick.enabled=false", "features=structured", "model=logreg,hgb"], home)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return home


@pytest.fixture(scope="module")
def ui_server(two_runs_home):
    """`discrep ui --port 0` on the two-run store; yields the address it prints."""
    env = {**os.environ, "DISCREP_HOME": str(two_runs_home), "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("MLFLOW_TRACKING_URI", None)
    log = open(two_runs_home / "ui.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "discrep.cli", "ui", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=log, text=True, env=env, cwd=two_runs_home, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.time() + 60
        addr = None
        while addr is None and time.time() < deadline and proc.poll() is None:
            m = re.search(r"open (http://127\.0\.0\.1:\d+)", "".join(lines))
            addr = m.group(1) if m else time.sleep(0.2)
        assert addr, f"`discrep ui` printed no address: {lines!r}"
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(addr + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                assert proc.poll() is None, f"mlflow server exited: {log.seek(0) or log.read()[-3000:]}"
                time.sleep(0.5)
        else:
            pytest.fail(f"MLflow UI at {addr} not up within 60 s")
        yield addr, "".join(lines)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _close_assistant(drv):
    """MLflow 3's assistant side panel opens on first visit and covers the table: close it."""
    from selenium.webdriver.common.by import By

    for b in drv.find_elements(By.XPATH, "//button[@aria-label='Close']"):
        if b.is_displayed():
            b.click()
            time.sleep(0.5)
            return


def _runs(home: Path) -> list[dict]:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    exp = client.get_experiment_by_name("discrep-pair")
    runs = client.search_runs([exp.experiment_id])
    return [{"id": r.info.run_id, "name": r.info.run_name, "exp": exp.experiment_id, "tags": r.data.tags,
             "f1": r.data.metrics["val_macro_f1"]} for r in runs]


def _shown(value: float, text: str) -> bool:
    """Whether the page shows the metric, at whatever precision the UI rounds it to (>= 2 decimals)."""
    for whole, dec in re.findall(r"(?<![\w.])(\d+)\.(\d{2,})(?![\w.])", text):
        if abs(float(f"{whole}.{dec}") - value) <= 0.5 * 10 ** -len(dec) + 1e-12:
            return True
    return False


def test_mlflow_ui_shows_both_runs_and_compares_them(ui_server, two_runs_home, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    addr, printed = ui_server
    runs = _runs(two_runs_home)
    assert len(runs) == 2
    names = [r["name"] for r in runs]
    assert sorted(n.split("-")[1] for n in names) == ["HistGradientBoostingClassifier", "LogisticRegression"]
    for r in runs:  # meaningful tags on each run
        assert r["tags"]["experiment"] == "calibrated" and r["tags"]["data_hash"].startswith("synthetic:")  # the default experiment
        assert re.fullmatch(r"[0-9a-f]{7,40}", r["tags"]["git_commit"]), r["tags"]
    exp_url = f"{addr}/#/experiments/{runs[0]['exp']}/runs"
    assert exp_url in printed  # `discrep ui` prints the link to the training runs

    # the experiment's training runs, with the macro-F1 column added as a person would (Columns menu)
    browser.get(exp_url)
    _wait(browser, lambda d: all(n in _body(d) for n in names), what="both runs in the experiment")
    _close_assistant(browser)
    _wait(browser, lambda d: [b for b in d.find_elements(By.XPATH, "//button") if b.text.strip() == "Columns"],
          what="Columns button")[0].click()
    box = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "input[placeholder='Search columns']"),
                what="column search")[0]
    box.send_keys("val_macro_f1")
    leaf = "//*[normalize-space(.)='val_macro_f1' and not(*[normalize-space(.)='val_macro_f1'])]"
    _wait(browser, lambda d: [e for e in d.find_elements(By.XPATH, leaf) if e.is_displayed()],
          what="val_macro_f1 in the Columns menu")[-1].click()
    box.send_keys(Keys.ESCAPE)
    _wait(browser, lambda d: all(_shown(r["f1"], _body(d)) for r in runs), what="macro-F1 of both runs")
    _screenshot(browser, "mlflow-experiment.png", width=1700, height=560, fit=False)

    # the compare view of the two runs
    ids = json.dumps([r["id"] for r in runs]).replace(" ", "")
    browser.get(f"{addr}/#/compare-runs?runs={ids}&experiments={json.dumps([runs[0]['exp']])}")
    _wait(browser, lambda d: all(n in _body(d) for n in names) and "val_macro_f1" in _body(d),
          what="compare view")
    _close_assistant(browser)
    text = _body(browser)
    assert all(_shown(r["f1"], text) for r in runs), [r["f1"] for r in runs]
    assert "features.groups" in text or "model.estimator._target_" in text  # parameters compared too
    switches = browser.find_elements(By.CSS_SELECTOR, "[role='switch']")
    if switches:  # Parameters: "Show diff only", as a person comparing two runs would
        switches[0].click()
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[role='switch'][aria-checked='true']"),
              what="parameter diff")
    browser.execute_script("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    shot = _screenshot(browser, "mlflow-compare.png", width=1400, height=2000, fit=False)
    assert shot.stat().st_size > 20_000


# ------------------------------------------------------------------------------------------ report
def _open_report(drv, path: Path):
    drv.get(path.as_uri())
    _wait(drv, lambda d: d.execute_script("return document.readyState") == "complete", what="report load")


def _csp_violations(drv) -> list[str]:
    return [e["message"] for e in drv.get_log("browser") if "Content Security Policy" in e["message"]]


def test_real_report_renders_for_a_reader(scored_dir, browser):
    from selenium.webdriver.common.by import By

    _open_report(browser, scored_dir / "report.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "#overview tr[data-incident]")
    assert len(rows) >= 4
    first = rows[0].get_attribute("data-incident")
    counts = [int(r.find_elements(By.CSS_SELECTOR, "td.num")[2].text) for r in rows]  # contradict column
    assert counts[0] == max(counts) > 0  # the most disputed incident opens the page
    sec = browser.find_element(By.ID, rows[0].find_element(By.TAG_NAME, "a").get_attribute("href").split("#")[1])
    assert sec.get_attribute("data-incident") == first
    red = sec.find_elements(By.CSS_SELECTOR, "table.matrix td.cell.contradict")
    assert red and all(c.is_displayed() for c in red)
    assert red[0].value_of_css_property("background-color") in ("rgba(192, 57, 43, 1)", "rgb(192, 57, 43)")
    block = sec.find_element(By.CSS_SELECTOR, "div.conflict.contradict")
    left, right = block.find_elements(By.CSS_SELECTOR, "div.side")
    assert left.location["y"] == right.location["y"] and right.location["x"] > left.location["x"] + 200
    assert block.find_elements(By.TAG_NAME, "mark") and block.find_elements(By.CSS_SELECTOR, "a[href^='https://']")
    assert sec.find_element(By.CSS_SELECTOR, "svg.chart").size["height"] > 60
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert _csp_violations(browser) == []
    _screenshot(browser, "report.png", width=1280, height=1900)


PAYLOADS = {
    "title": " <script>window.__pwned='title'</script>",
    "outlet": " <img src=x onerror=\"window.__pwned='outlet'\">",
    "text": " <svg onload=\"window.__pwned='text'\"></svg><script>alert('text')</script>",
    "text2": "</blockquote></div><img src=x onerror=alert('close-tags')>",
}
URLS = ["javascript:window.__pwned='url'", "https://example.org/a'><script>window.__pwned='url'</script>",
        "https://example.org/b\" onmouseover=\"window.__pwned='url'"]


@pytest.fixture(scope="module")
def hostile_report(trained_home, tmp_path_factory) -> Path:
    """The bundled articles with injection payloads in every title, outlet, url and text, scored."""
    tmp = tmp_path_factory.mktemp("hostile")
    src = [json.loads(l) for l in (ROOT / "data" / "examples" / "articles.jsonl").read_text().splitlines() if l.strip()]
    with open(tmp / "hostile.jsonl", "w") as fh:
        for i, a in enumerate(src):
            a["title"] += PAYLOADS["title"]
            a["outlet"] += PAYLOADS["outlet"]
            a["url"] = URLS[i % len(URLS)]
            sents = a["text"].split(". ")
            sents[0] += PAYLOADS["text"]  # inside a sentence that carries figures
            a["text"] = ". ".join(sents) + "\n\n" + PAYLOADS["text2"] + " Officials said 3 people were killed."
            fh.write(json.dumps(a) + "\n")
    out = tmp / "out"
    r = run_cli(["score", str(tmp / "hostile.jsonl"), "--out", str(out), "--quiet"], trained_home)
    assert r.returncode == 0, r.stderr[-3000:]
    return out / "report.html"


def test_hostile_articles_cannot_run_script_in_the_report(hostile_report, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    html = hostile_report.read_text()
    # the escaping alone must hold: open the page a second time with its CSP removed
    no_csp = hostile_report.with_name("report-no-csp.html")
    no_csp.write_text(re.sub(r"<meta http-equiv='Content-Security-Policy'[^>]*>", "", html, count=1))
    assert "Content-Security-Policy" not in no_csp.read_text()
    for page in (hostile_report, no_csp):
        browser.get_log("browser")  # drop earlier entries
        _open_report(browser, page)
        time.sleep(0.5)  # give any onerror/onload a chance to fire
        try:
            alert = browser.switch_to.alert
            text = alert.text
            alert.dismiss()
            pytest.fail(f"an injected alert fired in {page.name}: {text!r}")
        except NoAlertPresentException:
            pass
        assert browser.execute_script("return window.__pwned") is None, page.name
        assert _csp_violations(browser) == [], page.name  # no injected script even tried to run
        assert browser.execute_script("return document.scripts.length") == 0
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
        hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")]
        assert not [h for h in hrefs if h.lower().startswith("javascript:")], hrefs
        # the matrix and the conflicts render, and the payloads are shown to the reader as text
        cells = browser.find_elements(By.CSS_SELECTOR, "table.matrix td.cell")
        assert len(cells) >= 20 and browser.find_elements(By.CSS_SELECTOR, "table.matrix td.cell.contradict")
        conflicts = browser.find_elements(By.CSS_SELECTOR, "div.conflict.contradict")
        assert conflicts and conflicts[0].is_displayed()
        body = _body(browser)
        assert "<script>window.__pwned='title'</script>" in body
        assert "onerror=\"window.__pwned='outlet'\"" in body
    _screenshot(browser, "report-hostile.png", width=1280, height=1600)
