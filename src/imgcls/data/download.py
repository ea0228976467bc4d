"""HTTP downloads for the data layer: an official URL (or its ``IMGCLS_URL_REWRITE`` replacement)
streamed into a file, surviving stalls, resets, short bodies, 429 and 5xx answers.

urllib3 does the HTTP work: a pooled connection per host, and its ``Retry`` for the backoff, the
server's ``Retry-After`` and the statuses worth another try. A body cut short is resumed with a
Range request when the server answers 206 and restarted when it does not. Checking the file and
moving it into place is the caller's job (``imgcls.data.fetch``).
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import urllib3
from tqdm.auto import tqdm
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util import Retry, Timeout

from imgcls import config

REWRITE_VAR = "IMGCLS_URL_REWRITE"
CHUNK = 1 << 16  # a read that times out loses at most this much of what had arrived
USER_AGENT = "imgcls-course-book"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CONNECT_RETRIES = 1  # no connection twice in a row (at once): the host counts as unreachable

# Hosts to which no connection could be made in this process: their other URLs are skipped, so
# that an offline machine fails in seconds. A slow or broken transfer never puts a host here.
_unreachable: set[str] = set()


class SettingError(ValueError):
    """An ``IMGCLS_URL_REWRITE`` or ``IMGCLS_DOWNLOAD_*`` value that cannot be used (and how to
    set it instead)."""


class DownloadError(Exception):
    """A URL could not be downloaded; the message is the one-line problem."""


class _Truncated(ProtocolError):
    """The body ended before its announced length (a retry resumes or restarts it)."""


@dataclass(frozen=True)
class Policy:
    """How patient a download is. The defaults suit a slow home connection."""

    timeout: float = 15.0  # seconds to connect, and for any one read (as pip)
    retries: int = 5  # further tries of one file after a stall, reset, short body, 429 or 5xx
    backoff: float = 1.0  # seconds; urllib3 waits 0, 2, 4, 8... times this between retries
    max_wait: float = 120.0  # the longest wait, whether from backoff or from Retry-After

    @classmethod
    def from_env(cls) -> Policy:
        """The defaults, changed by ``IMGCLS_DOWNLOAD_TIMEOUT``, ``_RETRIES`` or ``_BACKOFF``."""
        values = {}
        for field, cast in (("timeout", float), ("retries", int), ("backoff", float)):
            var = f"IMGCLS_DOWNLOAD_{field.upper()}"
            text = os.environ.get(var, "").strip()
            if not text:
                continue
            try:
                values[field] = cast(text)
            except ValueError:
                values[field] = -1
            bad = not math.isfinite(values[field]) or values[field] < 0
            if bad or (field == "timeout" and values[field] == 0):
                raise SettingError(f"{var}={text!r} is not a valid {field}: set it to a "
                                   f"number like the default, {getattr(cls, field)}, or "
                                   "unset it")
        return cls(**values)

    def retry(self) -> Retry:
        """urllib3's retry state for one file (one budget for each kind of failure)."""
        return _Retry(total=None, connect=min(CONNECT_RETRIES, self.retries), read=self.retries,
                      status=self.retries, other=self.retries, redirect=10,
                      backoff_factor=self.backoff, backoff_max=self.max_wait,
                      status_forcelist=RETRY_STATUSES, raise_on_status=False)


class _Retry(Retry):
    """urllib3's ``Retry``, with a server's ``Retry-After`` capped at ``backoff_max``."""

    def get_retry_after(self, response: urllib3.BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.backoff_max)


def rewrite_rules() -> list[tuple[str, str]]:
    """``IMGCLS_URL_REWRITE``'s ``PREFIX=REPLACEMENT`` pairs, longest prefix first."""
    rules = []
    for pair in os.environ.get(REWRITE_VAR, "").split():
        prefix, sep, replacement = pair.partition("=")
        if not sep or not prefix or not replacement.startswith(("http://", "https://")):
            raise SettingError(
                f"{REWRITE_VAR}: {pair!r} is not PREFIX=REPLACEMENT with an http(s) "
                f"replacement: set it to space-separated pairs, e.g. {REWRITE_VAR}="
                "'https://=http://cache.example.org/', or unset it")
        rules.append((prefix, replacement))
    return sorted(rules, key=lambda rule: len(rule[0]), reverse=True)


def source(url: str) -> str:
    """Where ``url`` is fetched from: its rewrite when an ``IMGCLS_URL_REWRITE`` prefix matches."""
    for prefix, replacement in rewrite_rules():
        if url.startswith(prefix):
            return replacement + url[len(prefix):]
    return url


_pool_manager: urllib3.PoolManager | None = None


def _open(url: str, headers: dict[str, str], retry: Retry,
          timeout: Timeout) -> urllib3.BaseHTTPResponse:
    """One GET through the shared pool; urllib3 retries what fails before the body arrives."""
    global _pool_manager
    if _pool_manager is None:
        _pool_manager = urllib3.PoolManager(num_pools=20)
    return _pool_manager.request("GET", url, headers=headers, retries=retry, timeout=timeout,
                                 preload_content=False, decode_content=False)


def live() -> bool:
    """A live bar for a person watching (a terminal, Colab, a Jupyter session), not for a log or
    a notebook executed by a tool (see ``imgcls.data.progress``)."""
    return config.show_progress()


class _Progress:
    """A live bar while the file arrives, or, in a log, one line once it is complete."""

    def __init__(self, name: str):
        self.name = name
        self.started = time.monotonic()
        self.bar: tqdm | None = None
        self.live = live()

    def restart(self, total: int | None, have: int) -> None:
        if not self.live:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, initial=have, unit="B", unit_scale=True,
                            unit_divisor=1024, desc=self.name, leave=False)
        else:
            self.bar.reset(total)
            self.bar.update(have)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def log(self, size: int, url: str, retries: list[str]) -> None:
        if self.live:
            return
        seconds = time.monotonic() - self.started
        again = f", after {_retries(len(retries))} ({', '.join(retries)})" if retries else ""
        print(f"downloaded {self.name}: {tqdm.format_sizeof(size, 'B')} in {seconds:.1f} s "
              f"from {url}{again}", file=sys.stderr, flush=True)


def _why(error: BaseException | None) -> str:
    """A short name for what went wrong with one try, for logs and error messages."""
    if isinstance(error, ReadTimeoutError):
        return "read timed out"
    cause = error.args[-1] if isinstance(error, ProtocolError) and error.args else None
    if isinstance(cause, Exception):
        return f"connection broken ({cause.__class__.__name__})"
    if isinstance(error, ProtocolError):
        return str(error)
    # urllib3 starts connection errors with the connection object: drop it
    text = re.sub(r"^(<[^>]*>|\w+Connection\([^)]*\)): ", "", f"{error}")
    return text or error.__class__.__name__


def _retries(n: int) -> str:
    return f"{n} retry" if n == 1 else f"{n} retries"


def _history(retry: Retry) -> list[str]:
    """What each retry so far was for (redirects are not retries)."""
    return [_why(h.error) if h.error else f"HTTP {h.status}"
            for h in retry.history if h.redirect_location is None]


_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")


def _body_start(response: urllib3.BaseHTTPResponse, have: int) -> tuple[int, int | None]:
    """Where the body starts in the file and the file's full size (None when not announced)."""
    length = response.headers.get("Content-Length")
    size = int(length) if length and length.isdigit() else None
    if response.status == 200:
        return 0, size
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    if not match or int(match[1]) != have:
        raise ProtocolError(f"the server resumed at the wrong place "
                            f"(Content-Range {response.headers.get('Content-Range')!r})")
    return have, None if match[2] == "*" else int(match[2])


def _stream(url: str, out: Path, policy: Policy, progress: _Progress) -> Retry:
    """Fetch ``url`` into ``out`` (resuming or restarting after a broken body); the last Retry."""
    retry = policy.retry()
    timeout = Timeout(connect=policy.timeout, read=policy.timeout)
    out.write_bytes(b"")
    validator = None  # the first answer's ETag or Last-Modified: a resumed body is the same file
    while True:
        have = out.stat().st_size
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
            if validator:
                headers["If-Range"] = validator
        response = _open(url, headers, retry, timeout)
        retry = response.retries or retry
        try:
            if response.status not in (200, 206):
                again = _history(retry)
                after = f" (after {_retries(len(again))}: {', '.join(again)})" if again else ""
                raise DownloadError(f"HTTP {response.status} {response.reason}{after}")
            try:
                start, size = _body_start(response, have)
            except ProtocolError:
                out.write_bytes(b"")  # start again from the first byte
                raise
            if response.status == 200:
                validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
            progress.restart(size, start)
            broken = None
            with open(out, "r+b" if start else "wb") as f:
                f.seek(start)
                f.truncate()
                try:
                    for block in response.stream(CHUNK, decode_content=False):
                        f.write(block)
                        progress.update(len(block))
                except (ProtocolError, ReadTimeoutError) as exc:
                    broken = exc
            got = out.stat().st_size
            if size is not None and got < size:
                cause = f" ({_why(broken)})" if broken else ""
                raise _Truncated(f"truncated: the connection closed after {got:,} of {size:,} "
                                 f"bytes{cause}")
            if broken is not None and size is None:
                raise broken
            return retry
        except (ProtocolError, ReadTimeoutError) as exc:
            retry = retry.increment("GET", url, error=exc)  # MaxRetryError once they are spent
            retry.sleep()
        finally:
            response.release_conn()


def download(url: str, out: Path, label: str = "") -> None:
    """Download official ``url`` (from its rewrite, if any) into ``out``, replacing its content.

    Raises ``DownloadError`` with the problem when the retries are spent or the answer is an
    HTTP error; ``out`` may then hold part of the file, which the caller deletes. ``label``
    (the dataset's name) starts the progress bar's description.
    """
    url = source(url)
    host = urllib3.util.parse_url(url).netloc or url
    if host in _unreachable:
        raise DownloadError(f"skipped: the host {host} could not be reached a moment ago")
    policy = Policy.from_env()
    filename = Path(urllib3.util.parse_url(url).path or "").name or url
    progress = _Progress(f"{label}: {filename}" if label else filename)
    try:
        retry = _stream(url, out, policy, progress)
    except MaxRetryError as exc:
        if isinstance(exc.reason, ConnectTimeoutError):  # no connection could be made
            _unreachable.add(host)
            raise DownloadError(f"cannot connect ({_why(exc.reason)})") from None
        raise DownloadError(f"{_why(exc.reason)}; gave up after {_retries(policy.retries)}"
                            ) from None
    except HTTPError as exc:  # e.g. a malformed URL or an unreadable answer
        raise DownloadError(_why(exc)) from None
    finally:
        progress.close()
    progress.log(out.stat().st_size, url, _history(retry))
