"""The built site as a reader sees it: every page of the toc opened in headless Chromium.

Needs the site in ``_build/html`` (``make site-test`` builds it, then runs this file) and a
Chromium binary; without either the tests are skipped with the reason. The browser is driven
over the DevTools protocol; pages are served over HTTP from a local server, as on GitHub Pages.
Screenshots of the landing page and of two chapters go to ``_build/screenshots/``.
``IMGCLS_BOOK_ROOT`` points the tests at another checkout's build (default: this one).

Accessibility: axe-core (npm, ``tools/axe``; ``make site-test`` installs it from the lock file)
runs in every page, in the theme's light and dark mode, for WCAG 2.1 A and AA; no violation
of impact serious or critical may remain, except those ``tools/axe/exceptions.yml`` records
(rule, element, and why the book cannot fix it).
"""

from __future__ import annotations

import base64
import functools
import http.server
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from imgcls.book.notebooks import NOTEBOOK_DIR, chapter_sources, notebook_name, repository
from imgcls.config import REPO_ROOT
from imgcls.references import REFERENCES

BOOK = Path(os.environ.get("IMGCLS_BOOK_ROOT") or REPO_ROOT).resolve()
SITE = BOOK / "_build" / "html"
SHOTS = BOOK / "_build" / "screenshots"
CHAPTERS = chapter_sources(BOOK)
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
                None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-allow-origins=*", "--remote-debugging-port=0",
         "--window-size=1280,1400"]

if CHROMIUM is None:
    SKIP = "Chromium not found: `apt-get install chromium` to run the browser tests"
elif not (SITE / "index.html").is_file():
    SKIP = f"no site in {SITE}: `make site-test` builds it and runs these tests"
else:
    SKIP = ""
pytestmark = pytest.mark.skipif(bool(SKIP), reason=SKIP)


AXE = BOOK / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_EXCEPTIONS = BOOK / "tools" / "axe" / "exceptions.yml"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}
MODES = ("light", "dark")


def page_path(source: Path) -> str:
    """The site path of a toc document, e.g. ``chapters/01-images-are-tensors.html``."""
    return source.relative_to(BOOK).with_suffix(".html").as_posix()


class Browser:
    """One headless Chromium with a fresh profile, driven over the DevTools protocol."""

    def __init__(self, profile_dir: Path):
        import websocket  # websocket-client, from the dev extra

        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile_dir}",
                                      "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        port_file = profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port within 30 s")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result, keeping the events that arrive meanwhile."""
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def goto(self, url: str) -> None:
        """Load ``url`` and wait for its load event and for every image to finish."""
        self.events.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading within 60 s")
            self.events.append(json.loads(self.ws.recv()))
        self.js("Promise.all([...document.images].map(i => i.complete ? 0 : new Promise("
                "r => { i.onload = i.onerror = r; })))")

    def js(self, expression: str) -> Any:
        """Evaluate ``expression`` in the page (awaiting a promise) and return its value."""
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self, origin: str) -> list[str]:
        """Script exceptions, and failed loads of the site's own files, since the last goto."""
        found = []
        for e in self.events:
            params = e.get("params", {})
            if e.get("method") == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            entry = params.get("entry", {})
            if (e.get("method") == "Log.entryAdded" and entry.get("level") == "error"
                    and entry.get("url", "").startswith(origin)
                    and entry["url"] != origin + "favicon.ico"):
                found.append(f"{entry.get('text')} ({entry.get('url')})")
        return found

    def screenshot(self, path: Path, selector: str | None = None) -> None:
        """Save the viewport, scrolled to ``selector`` when given, as a PNG."""
        if selector:
            self.js(f"document.querySelector({json.dumps(selector)})"
                    "?.scrollIntoView({block: 'center'})")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot")["data"]))

    def close(self) -> None:
        """Close the connection and end this Chromium with its helper processes.

        Chromium runs in a session of its own, so its process group holds only the browser
        started here and its renderers; they must all be gone before the profile is removed.
        """
        if getattr(self, "ws", None):
            self.ws.close()
        group = self.proc.pid  # the session leader's pid is its process group's id
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + 10
            while _group_alive(group) and time.monotonic() < deadline:
                self.proc.poll()  # reap the browser itself; its helpers go to init
                time.sleep(0.1)
            if not _group_alive(group):
                break
        self.proc.wait(timeout=10)


def _group_alive(group: int) -> bool:
    """Whether any process of the process group ``group`` still exists."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> str:
    """The built site served over HTTP on a free local port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Browser:
    profile = Path(tempfile.mkdtemp(prefix="imgcls-chromium-"))
    b = Browser(profile)
    try:
        yield b
    finally:
        b.close()
        shutil.rmtree(profile)


ARTICLE = "document.querySelector('article.bd-article')"
PAGE_FACTS = f"""({{
  title: {ARTICLE}?.querySelector('h1')?.innerText ?? '',
  figures: [...{ARTICLE}.querySelectorAll('.cell_output img, figure img')]
      .map(i => ({{src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}})),
  noAlt: [...{ARTICLE}.querySelectorAll('img')]
      .filter(i => !(i.getAttribute('alt') || '').trim() || i.alt === i.getAttribute('src'))
      .map(i => i.getAttribute('src')),
  errors: [...{ARTICLE}.querySelectorAll('.output.traceback, .output.stderr, .output.error')]
      .map(e => e.innerText.slice(0, 300)),
  tracebacks: ({ARTICLE}.innerText.match(/Traceback \\(most recent call last\\)/g) || []).length,
  setupShown: {ARTICLE}.innerText.includes('Outside Colab this cell does nothing'),
  colab: [...document.querySelectorAll('a[href*="colab.research.google.com"]')]
      .map(a => a.href),
}})"""
# search fields a reader sees (pydata-sphinx-theme >= 0.16 adds one in a bar above the header
# unless `navbar_persistent` is empty; sphinx-book-theme's is in the sidebar)
VISIBLE_SEARCH_FIELDS = """[...document.querySelectorAll('.search-button-field')]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
    .length"""


def _tracked(rel: str) -> bool:
    if not (BOOK / ".git").exists():
        return True
    out = subprocess.run(["git", "ls-files", "--error-unmatch", rel], cwd=BOOK,
                         capture_output=True)
    return out.returncode == 0


@pytest.mark.parametrize("source", CHAPTERS, ids=[s.stem for s in CHAPTERS])
def test_chapter_page(site: str, browser: Browser, source: Path) -> None:
    """Renders with a title and figures, shows no error output, and opens its notebook in Colab."""
    browser.goto(site + page_path(source))
    facts = browser.js(PAGE_FACTS)
    assert facts["title"].strip(), "the page has no title"
    assert facts["figures"], "the page shows no figure"
    assert all(f["ok"] for f in facts["figures"]), f"images that did not load: {facts['figures']}"
    assert not facts["errors"], f"error or stderr output on the page: {facts['errors']}"
    assert not facts["tracebacks"], "a traceback is printed on the page"
    assert not facts["setupShown"], "the Colab setup cell should be hidden (tag remove-cell)"
    assert not facts["noAlt"], ("figures without alt text (the code cell's metadata "
                                f"`mystnb: image: alt:` sets it): {facts['noAlt']}")
    assert browser.js(VISIBLE_SEARCH_FIELDS) == 1, "one search field, in the sidebar"
    assert not browser.errors(site), browser.errors(site)

    url, branch = repository(BOOK)
    notebook = f"{NOTEBOOK_DIR}/{notebook_name(source)}"
    owner_repo = urlsplit(url).path.strip("/")
    expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook}"
    assert facts["colab"] == [expected]
    assert (BOOK / notebook).is_file(), f"{notebook} is missing: run `make notebooks`"
    assert _tracked(notebook), f"{notebook} is not committed"


def test_landing_page(site: str, browser: Browser) -> None:
    """The landing page links every chapter, the results and the bibliography; screenshots."""
    assert 'url=intro.html' in (SITE / "index.html").read_text(), "index.html leads to intro"
    browser.goto(site + "intro.html")
    links = browser.js("[...document.querySelectorAll('nav.bd-links a')].map(a => a.href)")
    for source in CHAPTERS:
        assert site + page_path(source) in links, f"{source.name} is not in the navigation"
    assert site + "results.html" in links and site + "bibliography.html" in links
    assert browser.js(VISIBLE_SEARCH_FIELDS) == 1, "one search field, in the sidebar"
    assert not browser.errors(site), browser.errors(site)
    browser.screenshot(SHOTS / "intro.png")
    for source in (CHAPTERS[0], CHAPTERS[-1]):
        browser.goto(site + page_path(source))
        browser.screenshot(SHOTS / f"{source.stem}.png")
        browser.screenshot(SHOTS / f"{source.stem}-figure.png", ".cell_output img")


def test_results_page(site: str, browser: Browser) -> None:
    """The results page has one row per reference key, and no error output."""
    browser.goto(site + "results.html")
    rows = browser.js(f"[...{ARTICLE}.querySelectorAll('table tbody tr')]"
                      ".map(r => r.cells[0].innerText.trim())")
    assert set(REFERENCES) <= set(rows)
    assert not browser.js(f"{ARTICLE}.querySelectorAll('.output.traceback, .output.stderr')"
                          ".length")
    assert not browser.errors(site), browser.errors(site)
    browser.screenshot(SHOTS / "results.png", "table")


def test_formulas_render_from_the_site_itself(site: str, browser: Browser) -> None:
    """MathJax is served with the site (sphinx-mathjax-offline), not from a CDN: an offline
    reader, or an offline build's PDF, sees typeset formulas, not TeX source."""
    browser.goto(site + page_path(CHAPTERS[4]))  # chapter 5 is full of formulas
    scripts = browser.js("[...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s))")
    assert scripts and all(s.startswith(site) for s in scripts), scripts
    pending = "document.querySelectorAll('.math:not(:has(mjx-container))').length"
    deadline = time.monotonic() + 30
    while browser.js(pending) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert browser.js("document.querySelectorAll('mjx-container').length") > 50
    assert browser.js(pending) == 0, "formulas left as TeX source"
    assert not browser.errors(site), browser.errors(site)


def site_pages() -> list[str]:
    """Every page of the site a reader reaches: the toc's, the index and the search page."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    from imgcls.book.notebooks import _toc_files

    docs = [toc["root"], *_toc_files(toc.get("chapters") or toc.get("parts") or [])]
    return [f"{doc.removesuffix('.md')}.html" for doc in docs] + ["genindex.html", "search.html"]


def axe_exceptions() -> list[dict[str, str]]:
    """The violations recorded as the theme's, which the book cannot fix (rule, target, why)."""
    entries = yaml.safe_load(AXE_EXCEPTIONS.read_text()) or [] if AXE_EXCEPTIONS.is_file() else []
    for entry in entries:
        assert {"rule", "target", "why"} <= set(entry), f"{AXE_EXCEPTIONS}: {entry} needs " \
            "rule, target and why"
    return entries


def run_axe(browser: Browser, mode: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations of the open page in ``mode``."""
    browser.js(f"document.documentElement.dataset.theme = {json.dumps(mode)};"
               f"document.documentElement.dataset.mode = {json.dumps(mode)};"
               "new Promise(r => setTimeout(r, 300))")  # the theme's colour transition
    if not browser.js("typeof axe !== 'undefined'"):
        browser.js(AXE.read_text())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = browser.js(f"axe.run(document, {json.dumps(options)}).then(r => r.violations"
                        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes"
                        ".map(n => ({target: n.target.join(' '), impact: n.impact,"
                        " summary: n.failureSummary}))})))")
    found = []
    for violation in result:
        for node in violation["nodes"]:
            if (node["impact"] or violation["impact"]) in SERIOUS:
                found.append({"rule": violation["id"], "help": violation["help"], **node})
    return found


def _excepted(found: dict[str, Any], mode: str, exceptions: list[dict[str, str]]) -> bool:
    return any(e["rule"] == found["rule"] and e["target"] in found["target"]
               and e.get("mode", mode) == mode for e in exceptions)


@pytest.mark.skipif(not AXE.is_file(), reason=f"no {AXE}: `make site-test` installs axe-core "
                    "(npm ci --prefix tools/axe)")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", site_pages())
def test_accessibility(site: str, browser: Browser, page: str, mode: str) -> None:
    """axe-core finds no serious or critical WCAG 2.1 A/AA violation, in light and dark mode."""
    browser.goto(site + page)
    exceptions = axe_exceptions()
    found = [f for f in run_axe(browser, mode) if not _excepted(f, mode, exceptions)]
    assert not found, "\n".join(f"{f['rule']} ({f['help']}) at {f['target']}: "
                                f"{(f['summary'] or '').splitlines()[-1].strip()}"
                                for f in found)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if named.get("id"):
            self.ids.add(named["id"])
        for key in ("href", "src"):
            if named.get(key) and not (tag == "link" and named.get("rel") == "preload"):
                self.links.append(named[key])


@functools.cache
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(errors="replace"))
    return parser


def test_internal_links() -> None:
    """Every link and asset of the toc pages resolves to a file of the site (and an anchor)."""
    pages = [SITE / "intro.html", SITE / "results.html", SITE / "bibliography.html"]
    pages += [SITE / page_path(s) for s in CHAPTERS]
    broken = []
    for page in pages:
        base = "http://site/" + page.relative_to(SITE).as_posix()
        for link in _parse(page).links:
            parts = urlsplit(urljoin(base, link))
            if parts.netloc != "site":
                continue
            target = SITE / parts.path.lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.name}: {link}")
            elif parts.fragment and target.suffix == ".html" and \
                    parts.fragment not in _parse(target).ids:
                broken.append(f"{page.name}: {link} (no such anchor)")
    assert not broken, broken
