"""Shared test set-up: private results folders, and a tiny data world for the data-layer tests.

The tiny world is a registry of a few small files the tests make, a mirror folder holding them,
an empty data folder and torch hub folder, and a network that is down (no connection can be made)
unless a test serves bytes itself.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
import urllib3
from PIL import Image
from urllib3.exceptions import MaxRetryError, NewConnectionError

from imgcls.data import download
from imgcls.data import registry as reg
from imgcls.data.registry import FileSpec, Resource, Variant

# The module itself: ``imgcls.data.fetch`` as an attribute is the function the package exports.
fetch_mod = importlib.import_module("imgcls.data.fetch")


MYST_HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


@pytest.fixture(autouse=True)
def _private_results(tmp_path_factory, monkeypatch):
    """Point ``IMGCLS_RESULTS_DIR`` at a fresh folder so tests never touch the book's results."""
    monkeypatch.setenv("IMGCLS_RESULTS_DIR", str(tmp_path_factory.mktemp("results")))


@pytest.fixture
def one_thread():
    """One torch thread: tiny networks on a busy machine run far faster without a thread pool."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def png_bytes(seed: int = 0, size: int = 8) -> bytes:
    """A small random RGB PNG."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


BLOB = bytes(range(256)) * 64  # 16 KiB
IDX = b"\x00\x00\x08\x01" + bytes(1000)  # stands for an uncompressed IDX file
LOSSY = b"a lossy export of the same data\n" * 50
PNG = png_bytes(0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class World:
    """The folders and registry of one test's tiny data world."""

    root: Path
    mirror: Path
    data: Path
    hub: Path
    resources: dict[str, Resource]
    served: dict[str, bytes] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def put_mirror(self, rel: str, content: bytes) -> Path:
        path = self.mirror / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    def put_data(self, rel: str, content: bytes) -> Path:
        path = self.data / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    def snapshot(self, folder: Path) -> dict[str, tuple[str, int]]:
        """Every file under ``folder`` with its content hash and modification time."""
        return {str(p.relative_to(folder)): (sha256(p.read_bytes()), p.stat().st_mtime_ns)
                for p in sorted(folder.rglob("*")) if p.is_file()}

    def leftovers(self) -> list[Path]:
        """Temporary files or folders that a fetch should have removed."""
        return [p for p in self.root.rglob(".*") if p.name.endswith(".part") or ".gz" in p.name
                or p.is_dir()]


def _resources() -> dict[str, Resource]:
    blob = FileSpec(path="blob/a.bin", urls=("http://files.example/a.bin",),
                    mirror="blob/a.bin", sha256=sha256(BLOB), size=len(BLOB))
    picture = FileSpec(path="pics/x.png", urls=("http://files.example/x.png",),
                       mirror="pics/x.png", image=True)
    idx = FileSpec(path="digits/raw/idx", urls=("http://files.example/idx.gz",),
                   mirror="digits/idx", md5=hashlib.md5(IDX).hexdigest(), gunzip=True)
    exact = FileSpec(path="two/exact.bin", urls=("http://a.example/exact.bin",
                                                 "http://a.example/again/exact.bin",
                                                 "http://b.example/exact.bin"),
                     mirror="two/exact.bin", sha256=sha256(BLOB))
    lossy = FileSpec(path="two/lossy.txt", mirror="two/lossy.txt", sha256=sha256(LOSSY))
    weight = FileSpec(path="net-1234abcd.pth", urls=("http://files.example/net-1234abcd.pth",),
                      mirror="weights/net-1234abcd.pth", sha256=sha256(BLOB)[:8], in_hub=True)
    return {
        "blob": Resource("blob", "one binary file", "files.example",
                         (Variant("official", (blob,), "exact"),)),
        "pics": Resource("pics", "one picture", "files.example",
                         (Variant("official", (picture,), "exact"),)),
        "digits": Resource("digits", "a gzipped IDX file", "files.example",
                           (Variant("official", (idx,), "exact: md5"),)),
        "two": Resource("two", "two variants", "a.example",
                        (Variant("exact", (exact,), "exact"),
                         Variant("lossy", (lossy,), "lossy (mirror only)", exact=False))),
        "net": Resource("net", "a weight file", "files.example",
                        (Variant("official", (weight,), "exact"),)),
    }


def no_connection(url, headers, retry, timeout):
    """Stands in for ``download._open`` on a machine without network: no connection is made."""
    raise MaxRetryError(None, url, NewConnectionError(None, "Name or service not known"))


def _answer(body: bytes, length: int | None) -> urllib3.HTTPResponse:
    """What the fake connection pool answers: bytes with an optional Content-Length header."""
    headers = {"Content-Length": str(length)} if length is not None else {}
    return urllib3.HTTPResponse(io.BytesIO(body), headers=headers, status=200,
                                preload_content=False)


@pytest.fixture
def world(tmp_path, monkeypatch) -> World:
    """A tiny registry, a full mirror of it, empty data and hub folders, and no network."""
    w = World(tmp_path, tmp_path / "mirror", tmp_path / "data", tmp_path / "torch",
              _resources())
    w.put_mirror("blob/a.bin", BLOB)
    w.put_mirror("pics/x.png", PNG)
    w.put_mirror("digits/idx", IDX)
    w.put_mirror("two/lossy.txt", LOSSY)
    w.put_mirror("weights/net-1234abcd.pth", BLOB)
    monkeypatch.setattr(reg, "registry", lambda: w.resources)
    monkeypatch.setenv("IMGCLS_DATA", str(w.data))
    monkeypatch.setenv("IMGCLS_MIRROR", str(w.mirror))
    monkeypatch.setenv("TORCH_HOME", str(w.hub))
    monkeypatch.delenv("IMGCLS_ALLOW_STANDINS", raising=False)
    monkeypatch.delenv("IMGCLS_URL_REWRITE", raising=False)
    monkeypatch.setenv("IMGCLS_DOWNLOAD_BACKOFF", "0")
    monkeypatch.setattr(download, "_unreachable", set())

    def request(url, headers, retry, timeout):
        w.requests.append(url)
        if url not in w.served:
            no_connection(url, headers, retry, timeout)
        body = w.served[url]
        return _answer(body, w.lengths.get(url, len(body)))

    monkeypatch.setattr(download, "_open", request)
    return w


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)
