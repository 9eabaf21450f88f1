"""Open the HTML book in headless Chromium (Debian's ``chromium`` + ``chromedriver``) and report
what a reader would see: console errors, undecoded images, unrendered math, outside requests."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE_STATE = """
const images = Array.from(document.images);
return {
  title: document.title,
  images: images.length,
  broken: images.filter(i => !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0))
                .map(i => i.src.slice(0, 80)),
  math: document.querySelectorAll('.math, span.math, div.math').length,
  rendered: document.querySelectorAll('mjx-container').length,
  text: document.body.innerText.length,
};
"""


@dataclass
class Page:
    url: str
    title: str
    images: int
    broken: list
    math: int
    rendered: int
    text: int
    console_errors: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)


def chromium_available() -> bool:
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


def open_browser():
    """A headless Chromium driven through Debian's chromedriver (never downloads a driver)."""
    import os

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for drivers online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        "--allow-file-access-from-files",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def visit(driver, url: str, wait_for_math: float = 10.0) -> Page:
    """Load ``url``, wait for MathJax to finish, and describe the page."""
    driver.get_log("browser"), driver.get_log("performance")  # start from empty logs
    driver.get(url)
    deadline = time.monotonic() + wait_for_math
    state = driver.execute_script(PAGE_STATE)
    while state["math"] and not state["rendered"] and time.monotonic() < deadline:
        time.sleep(0.2)
        state = driver.execute_script(PAGE_STATE)
    page = Page(url=url, **state)
    page.console_errors = [
        e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
    ]
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requested = message["params"]["request"]["url"]
            if not requested.startswith(("file://", "data:", "blob:", "about:")):
                page.outside_requests.append(requested)
    return page


def screenshot(driver, url: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.get(url)
    time.sleep(1.0)
    driver.save_screenshot(str(path))
    return path
