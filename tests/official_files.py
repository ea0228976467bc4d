"""The book's official files, for the loopback server: the mirror's exact copies where it has
them, and small files in the official formats made here for the rest.

Made here: CIFAR-10's python archive (one image per class in each batch), STL-10's binary
archive (tiny arrays), torchvision's weight files (random weights, torchvision's state-dict
format and file names) and the two Sign Language MNIST CSVs behind a stubbed kagglehub. Their
checksums go into a test registry and torchvision's md5 tables; the real ones are never changed.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import pickle
import shutil
import sys
import tarfile
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torchvision
from loopback_server import server_path
from torchvision.datasets import CIFAR10, STL10

from imgcls.data import registry as reg
from imgcls.data import sign_mnist_source
from imgcls.data.fetch import mirror_source
from imgcls.data.registry import FileSpec, Resource

SEED = 0


@dataclass
class OfficialFiles:
    """Server paths and their files, the registry that expects them, and what the stubs serve."""

    files: dict[str, Path]
    made: dict[str, dict[str, list]]  # resource -> file -> [sha256, size], for files made here
    kaggle: Path  # the folder the stubbed kagglehub "downloads"
    md5: dict[str, str]  # torchvision's table entries for the CIFAR-10 and STL-10 files made here
    registry: dict[str, Resource] = dataclasses.field(init=False)

    def __post_init__(self):
        self.registry = _expecting(reg.registry(), self.made)

    def save(self, path: Path) -> None:
        """What another process (a chapter's kernel) needs to ``load`` and ``install`` them."""
        path.write_text(json.dumps({"made": self.made, "kaggle": str(self.kaggle),
                                    "md5": self.md5}))

    @classmethod
    def load(cls, path: Path) -> OfficialFiles:
        saved = json.loads(path.read_text())
        return cls({}, saved["made"], Path(saved["kaggle"]), saved["md5"])


def _expecting(real: dict[str, Resource], made: dict[str, dict[str, list]]
               ) -> dict[str, Resource]:
    """The real registry, with the made files' checksums in place of the official ones."""
    registry = {}
    for name, resource in real.items():
        variants = []
        for variant in resource.variants:
            specs = tuple(dataclasses.replace(spec, md5=None, sha256=made[name][spec.path][0],
                                              size=made[name][spec.path][1])
                          if spec.path in made.get(name, {}) else spec
                          for spec in variant.files)
            variants.append(dataclasses.replace(variant, files=specs))
        registry[name] = dataclasses.replace(resource, variants=tuple(variants))
    return registry


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _tar_gz(path: Path, folder: str, members: dict[str, bytes]) -> Path:
    """A tar.gz of ``members`` under ``folder``, the same bytes every time (no timestamps)."""
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _cifar10(out: Path, md5: dict[str, str]) -> Path:
    """cifar-10-python.tar.gz: pickled batches of 3072-byte rows, one image per class each."""
    rng = np.random.default_rng(SEED)
    members = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = list(range(10))
        batch = {"batch_label": name, "labels": labels,
                 "data": rng.integers(0, 256, (10, 3072), dtype=np.uint8),
                 "filenames": [f"{name}_{i}.png" for i in labels]}
        members[name] = pickle.dumps(batch)
    members["batches.meta"] = pickle.dumps(
        {"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                         "horse", "ship", "truck"], "num_cases_per_batch": 10, "num_vis": 3072})
    md5.update({name: _md5(data) for name, data in members.items()})
    return _tar_gz(out / "cifar-10-python.tar.gz", "cifar-10-batches-py", members)


# chapter 11's quick profile: 120 training images per class (20 of them validate), 100 test
STL10_PER_CLASS = 120


def _stl10(out: Path, md5: dict[str, str]) -> Path:
    """stl10_binary.tar.gz: uint8 images stored channel by channel, column-major; labels 1..10."""
    rng = np.random.default_rng(SEED)
    n = 10 * STL10_PER_CLASS

    def images(count: int) -> bytes:
        return rng.integers(0, 256, (count, 3, 96, 96), dtype=np.uint8).tobytes()

    members = {
        "train_X.bin": images(n), "train_y.bin": bytes(i % 10 + 1 for i in range(n)),
        "test_X.bin": images(n), "test_y.bin": bytes(i % 10 + 1 for i in range(n)),
        "unlabeled_X.bin": images(2),
        "class_names.txt": "\n".join(["airplane", "bird", "car", "cat", "deer", "dog", "horse",
                                      "monkey", "ship", "truck"]).encode(),
        "fold_indices.txt": b"".join(b" ".join(str(j).encode() for j in range(i, n, 10))
                                     + b"\n" for i in range(10)),
    }
    md5.update({name: _md5(data) for name, data in members.items()})
    return _tar_gz(out / "stl10_binary.tar.gz", "stl10_binary", members)


def _architecture(enum_name: str) -> str:
    """The torchvision model name whose weights enum is ``enum_name``'s class."""
    enum_class = enum_name.split(".")[0]
    for name in torchvision.models.list_models(module=torchvision.models):
        if torchvision.models.get_model_weights(name).__name__ == enum_class:
            return name
    raise LookupError(f"no torchvision model has weights {enum_name}")


def _weights(out: Path, resource: Resource) -> Path:
    """A torchvision weight file: random weights of the right network, under torchvision's name."""
    torch.manual_seed(SEED)
    model = torchvision.models.get_model(_architecture(resource.extra["enum"]), weights=None)
    path = out / resource.variants[0].files[0].path
    torch.save(model.state_dict(), path)
    return path


def _sign_mnist_csvs(folder: Path) -> None:
    """The two CSVs with the official row counts and the 24 letters; pixels are random."""
    rng = np.random.default_rng(SEED)
    labels = sorted(sign_mnist_source.LABELS)
    rows = [f"{label}," + ",".join(map(str, rng.integers(0, 256, 784))) for label in labels]
    header = "label," + ",".join(f"pixel{i}" for i in range(1, 785))
    folder.mkdir(parents=True)
    for split, count in sign_mnist_source.ROWS.items():
        body = "\n".join(rows[i % len(rows)] for i in range(count))
        (folder / f"sign_mnist_{split}.csv").write_text(f"{header}\n{body}\n")


def _make(resource: Resource, spec: FileSpec, out: Path, md5: dict[str, str]) -> Path:
    """A file in the official format for a download that the mirror does not hold."""
    if resource.name == "cifar10":
        return _cifar10(out, md5)
    if resource.name == "stl10":
        return _stl10(out, md5)
    if resource.name.startswith("weights:"):
        return _weights(out, resource)
    raise LookupError(f"nothing makes an official-format file for {resource.name} "
                      f"({spec.path}): add a maker in {__file__}")


def _from_mirror(spec: FileSpec, mirror: Path, out: Path) -> Path | None:
    """The mirror's copy of ``spec`` as served officially (gzipped when the download is)."""
    found = mirror_source(spec, mirror) if spec.mirror else None
    if found is None:
        return None
    path, compressed = found
    if not spec.gunzip or compressed:
        return path
    gz = out / f"{Path(spec.path).name}.gz"
    with open(path, "rb") as fin, gzip.GzipFile(gz, "wb", compresslevel=1, mtime=0) as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
    return gz


def build(out: Path, mirror: Path) -> OfficialFiles:
    """Every official download of the registry, served at its official path."""
    out.mkdir(parents=True, exist_ok=True)
    md5: dict[str, str] = {}
    files: dict[str, Path] = {}
    made: dict[str, dict[str, list]] = {}
    for name, resource in reg.registry().items():
        for variant in resource.variants:
            for spec in variant.files:
                path = _from_mirror(spec, mirror, out) if spec.urls else None
                if spec.urls and path is None:
                    path = _make(resource, spec, out, md5)
                    data = path.read_bytes()
                    made.setdefault(name, {})[spec.path] = [hashlib.sha256(data).hexdigest(),
                                                            len(data)]
                for url in spec.urls:
                    files[server_path(url)] = path
    kaggle = out / "kaggle" / sign_mnist_source.KAGGLE_HANDLE
    _sign_mnist_csvs(kaggle)
    return OfficialFiles(files, made, kaggle, md5)


def book_faults() -> dict[str, list[str]]:
    """Faults on the first requests of some files of every host the book downloads from."""

    def first_url(name: str, index: int = 0) -> str:
        return server_path(reg.get(name).variants[0].files[index].urls[0])

    return {
        first_url("animal_faces", 0): ["stall"],
        first_url("animal_faces", 10): ["500"],
        first_url("photos", 0): ["429"],
        first_url("mnist", 0): ["pause"],
        first_url("mnist", 2): ["reset"],
        first_url("cifar10"): ["503"],
        first_url("stl10"): ["short", "reset"],
        first_url("weights:DenseNet121_Weights.IMAGENET1K_V1"): ["stall"],
        first_url("weights:ResNet50_Weights.IMAGENET1K_V2"): ["short"],
    }


def _kagglehub(folder: Path) -> types.ModuleType:
    """A kagglehub whose ``dataset_download`` returns ``folder`` for the book's one dataset."""
    module = types.ModuleType("kagglehub")

    def dataset_download(handle: str, *args, **kwargs) -> str:
        if handle != sign_mnist_source.KAGGLE_HANDLE:
            raise ValueError(f"the stub serves only {sign_mnist_source.KAGGLE_HANDLE}")
        return str(folder)

    module.dataset_download = dataset_download
    return module


def install(official: OfficialFiles, monkeypatch) -> None:
    """Point the data layer at the test registry, kagglehub at its stub, and torchvision's
    CIFAR-10 and STL-10 md5 tables at the files made here (``monkeypatch`` undoes it)."""
    monkeypatch.setattr(reg, "registry", lambda: official.registry)
    monkeypatch.setitem(sys.modules, "kagglehub", _kagglehub(official.kaggle))
    md5 = official.md5
    for cls in (CIFAR10, STL10):
        for table in ("train_list", "test_list"):
            monkeypatch.setattr(cls, table, [[n, md5[n]] for n, _ in getattr(cls, table)])
    monkeypatch.setattr(CIFAR10, "meta", {**CIFAR10.meta, "md5": md5["batches.meta"]})
