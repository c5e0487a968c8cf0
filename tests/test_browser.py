"""The page at ``/`` in a real browser: headless Chromium (Debian's package) against ``simcalc serve``.

A person types two sentences and submits; the score, the ensemble members and both dependency trees
must be on the page. A screenshot is kept in ``$SIMCALC_ARTIFACTS_DIR`` (default: the test's tmp dir).
The browser is never downloaded: Chromium and ChromeDriver come from the system (``.ci/run`` installs
Debian's ``chromium`` and ``chromium-driver``). When they cannot start, the test fails and says why;
set ``SIMCALC_SKIP_BROWSER=1`` to skip it on purpose (the skip is reported with that reason).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra (fastapi) is not installed: pip install 'simcalc[serve]'")

pytestmark = pytest.mark.slow

BA, BEI = "小明把门打开了", "门被小明打开了"
FIRST = ("怎么开通花呗", "花呗如何开通")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1800", "--lang=zh-CN")


def _executable(env: str, *names: str) -> str:
    found = os.environ.get(env) or next((p for n in names if (p := shutil.which(n))), None)
    if not found:
        pytest.fail(f"no {names[0]} found (looked for {', '.join(names)} on PATH and ${env}). Install Debian's "
                    "chromium and chromium-driver (`apt-get install chromium chromium-driver`, as .ci/run does) "
                    "or set SIMCALC_SKIP_BROWSER=1 to skip the browser test on purpose.")
    return found


@pytest.fixture
def browser(tmp_path):
    if os.environ.get("SIMCALC_SKIP_BROWSER"):
        pytest.skip("SIMCALC_SKIP_BROWSER is set: the browser test was skipped on purpose")
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: pip install -e '.[dev]'")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not try to download anything
    options = webdriver.ChromeOptions()
    options.binary_location = _executable("SIMCALC_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    service = Service(executable_path=_executable("SIMCALC_CHROMEDRIVER", "chromedriver"))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        pytest.fail(f"headless Chromium ({options.binary_location}) could not start: {exc.msg}")
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def artefact_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SIMCALC_ARTIFACTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def submit(driver, a: str, b: str, *, keyboard: bool = False) -> str:
    """Type the pair like a person, submit (button or Ctrl+Enter), wait for the answer; return the status line
    (which screen readers announce: "Done. SCORER: SCORE — similar (threshold T)")."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    for box_id, text in (("sentence1", a), ("sentence2", b)):
        box = driver.find_element(By.ID, box_id)
        box.clear()
        box.send_keys(text)
    driver.execute_script("document.getElementById('status').textContent = ''")
    if keyboard:
        driver.find_element(By.ID, "sentence2").send_keys(Keys.CONTROL, Keys.ENTER)
    else:
        driver.find_element(By.ID, "compare").click()
    WebDriverWait(driver, 120).until(ec.text_to_be_present_in_element((By.ID, "status"), "Done."))
    return driver.find_element(By.ID, "status").text


def test_page_shows_score_members_and_both_trees(serve_process, browser, tmp_path):
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    url = serve_process()  # the defaults: ensemble, rules, levenshtein, jaro_winkler on 127.0.0.1
    browser.get(url + "/")
    # the page fills the scorer list and explains its example at once; wait for that first answer
    WebDriverWait(browser, 120).until(ec.text_to_be_present_in_element((By.ID, "status"), "Done."))
    default = httpx.get(url + "/scorers", timeout=30).json()["default"]
    selected = browser.find_element(By.CSS_SELECTOR, "#scorer option:checked").get_attribute("value")
    assert selected == default

    line = submit(browser, *FIRST)
    api = httpx.post(url + "/compare", json={"sentence1": FIRST[0], "sentence2": FIRST[1]}, timeout=60).json()
    assert f"{api['score']:.4f}" in line

    line = submit(browser, BA, BEI, keyboard=True)  # Ctrl+Enter submits too
    api = httpx.post(url + "/explain", json={"sentence1": BA, "sentence2": BEI}, timeout=60).json()
    assert f"{api['result']['score']:.4f}" in line
    assert ("not similar" in line) == (api["result"]["label"] == 0)

    explanation = browser.find_element(By.ID, "explanation")
    text = explanation.text
    assert f"{api['result']['score']:.4f}" in text  # the drawn explanation is this pair's, not the last one's
    for member in api["result"]["details"]["members"]:
        assert member in text, f"ensemble member {member} not shown"
    trees = explanation.find_elements(By.CSS_SELECTOR, "svg")
    assert len(trees) >= 2, "both dependency trees must be drawn"
    for tree, sentence in zip(trees, (BA, BEI)):
        words = "".join(t.text for t in tree.find_elements(By.CSS_SELECTOR, "text.token"))
        assert words == sentence.replace(" ", "")
        assert tree.size["width"] > 200 and tree.size["height"] > 80  # really drawn, not an empty box
    assert explanation.find_elements(By.CSS_SELECTOR, "svg .arc"), "the trees have no arcs"
    analysis = api["analysis"]
    if analysis.get("source") == "rules":  # HowNet present: aligned words and coefficients with reasons
        coefficients = analysis["clauses"][0]["coefficients"]
        assert coefficients["ba_bei"]["reason"] in text
    else:
        assert analysis["unavailable"][:30] in text
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 40, 6000))  # the whole page: trees, words, coefficients
    shot = artefact_dir(tmp_path) / "serve-page.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_page_reports_a_bad_request_in_words(serve_process, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    url = serve_process("--scorers", "levenshtein")
    browser.get(url + "/")
    WebDriverWait(browser, 120).until(ec.text_to_be_present_in_element((By.ID, "status"), "Done."))
    box = browser.find_element(By.ID, "sentence1")
    box.clear()
    box.send_keys("？？？")
    browser.find_element(By.ID, "compare").click()
    error = WebDriverWait(browser, 60).until(ec.visibility_of_element_located((By.ID, "error")))
    assert "sentence1" in error.text and "punctuation" in error.text
    assert browser.switch_to.active_element == error  # focus moves to the message (keyboard users)
