"""A loopback HTTP server for the online-path tests: official paths, injected faults.

It binds 127.0.0.1 on a free port, serves files from disk under paths such as
``/raw.githubusercontent.com/UBC-CS/...`` (point the book at it with ``IMGCLS_URL_REWRITE``),
answers Range requests with 206 (or ignores them), and misbehaves on request: each path may
carry a queue of faults, one taken per request. Every request is logged.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FAULTS = ("stall", "pause", "reset", "429", "503", "500", "short")
"""stall: no answer for ``stall_s``; pause: half the body, then nothing for ``stall_s``;
reset: half the body, then a TCP reset; 429: Too Many Requests with Retry-After; 503 and 500:
server errors; short: half the body, then a clean close, under a Content-Length that promised
all of it."""

CHUNK = 1 << 16
LIFETIME_S = 600  # a server left running by a broken test stops by itself


@dataclass
class Request:
    """One request as the server saw it."""

    path: str
    range: str | None
    fault: str | None
    status: int
    at: float


@dataclass
class Site:
    """What a server serves and how it behaves; change it between downloads as a test needs."""

    files: dict[str, Path]
    faults: dict[str, list[str]] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)  # path -> where a 301 sends it
    ranges: bool = True  # answer ``Range: bytes=N-`` with 206; False: ignore it, send all (200)
    stall_s: float = 3.0  # longer than the tests' download timeout
    retry_after: int = 1
    base: str = ""  # the server's URL, once it serves
    log: list[Request] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault_for(self, path: str) -> str | None:
        with self.lock:
            queue = self.faults.get(path)
            return queue.pop(0) if queue else None

    def requests(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.log if r.path == path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real hosts
    timeout = 10  # a client that goes away frees its thread
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stall

    def log_message(self, format, *args):  # noqa: A002 (the base class's name) - quiet tests
        pass

    def _record(self, path: str, fault: str | None, status: int) -> None:
        site: Site = self.server.site
        with site.lock:
            site.log.append(Request(path, self.headers.get("Range"), fault, status,
                                    time.monotonic()))

    def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802 (http.server's name)
        site: Site = self.server.site
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path in site.moved:
            self._record(path, None, 301)
            return self._empty(301, {"Location": site.moved[path]})
        file = site.files.get(path)
        if file is None:
            self._record(path, None, 404)
            return self._empty(404)
        fault = site.fault_for(path)
        if fault == "stall":
            self._record(path, fault, 0)
            site.stopping.wait(site.stall_s)
            self.close_connection = True
            return None
        if fault in ("429", "503", "500"):
            self._record(path, fault, int(fault))
            after = {"Retry-After": str(site.retry_after)} if fault == "429" else {}
            return self._empty(int(fault), after)
        size = file.stat().st_size
        etag = f'"{size:x}-{file.stat().st_mtime_ns:x}"'
        start, status = 0, 200
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        same = self.headers.get("If-Range") in (None, etag)
        if site.ranges and match and same and int(match[1]) < size:
            start, status = int(match[1]), 206
        self._record(path, fault, status)
        self.send_response(status)
        self.send_header("Content-Length", str(size - start))
        self.send_header("Accept-Ranges", "bytes" if site.ranges else "none")
        self.send_header("ETag", etag)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.end_headers()
        end = start + (size - start) // 2 if fault in ("reset", "short", "pause") else size
        with open(file, "rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                block = f.read(min(CHUNK, left))
                self.wfile.write(block)
                left -= len(block)
        if fault == "pause":
            site.stopping.wait(site.stall_s)
            self.close_connection = True
        if fault == "reset":  # SO_LINGER 0: close() sends a reset instead of a clean close
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        if fault in ("reset", "short"):
            self.close_connection = True
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up is no error here
        pass


@contextmanager
def serving(site: Site) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) while the block runs; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = site
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    watchdog = threading.Timer(LIFETIME_S, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield site.base
    finally:
        watchdog.cancel()
        site.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def rewrite_to(base: str) -> str:
    """An ``IMGCLS_URL_REWRITE`` value that sends every official URL to the server at ``base``."""
    return f"https://={base} http://={base}"


def server_path(url: str) -> str:
    """The path under which the server serves official ``url``: ``/host/path``."""
    return "/" + url.split("://", 1)[1]


@pytest.fixture
def fast_downloads(monkeypatch):
    """Short timeouts and backoff, so that a stalled request costs about a second."""
    monkeypatch.setenv("IMGCLS_DOWNLOAD_TIMEOUT", "1")
    monkeypatch.setenv("IMGCLS_DOWNLOAD_BACKOFF", "0.05")
    monkeypatch.setenv("IMGCLS_DOWNLOAD_RETRIES", "4")
    from imgcls.data import download

    monkeypatch.setattr(download, "_unreachable", set())
