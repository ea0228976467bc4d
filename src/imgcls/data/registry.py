"""The registry of every resource the book uses: where each file comes from and how to check it.

A resource has one or more *variants* (for example CIFAR-10's official python archive and the
mirror's JPEG export). Each variant is a list of files; each file knows its final place, its
official download URLs, its name in an offline mirror folder and its checksum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

MANIFESTS = Path(__file__).with_name("manifests")
UBC_DATA = "https://raw.githubusercontent.com/UBC-CS/cpsc330-2024W1/{ref}/lectures/data/"
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"


@dataclass(frozen=True)
class FileSpec:
    """One file of a resource.

    ``path`` is relative to the data folder, or to the torch hub checkpoint folder when
    ``in_hub`` is set. ``sha256`` may be a prefix (torchvision's weight files carry one in their
    name). ``gunzip`` means the download is gzip-compressed and is unpacked before checking.
    ``content_check`` is for files without a published checksum: it raises ``ValueError`` with a
    reason when the content is wrong. ``downloader`` replaces plain URL download (for clients
    such as kagglehub): it gets a temporary folder and returns the downloaded file.
    """

    path: str
    urls: tuple[str, ...] = ()
    mirror: str | None = None
    md5: str | None = None
    sha256: str | None = None
    size: int | None = None
    gunzip: bool = False
    image: bool = False
    in_hub: bool = False
    content_check: Callable[[Path], None] | None = None
    downloader: Callable[[Path], Path] | None = None


@dataclass(frozen=True)
class Variant:
    """One way of having a resource: a set of files, with its fidelity to the official data."""

    name: str
    files: tuple[FileSpec, ...]
    fidelity: str
    exact: bool = True


@dataclass(frozen=True)
class Resource:
    """A dataset, a photo collection or a weight file, with its variants in order of preference."""

    name: str
    description: str
    source: str
    variants: tuple[Variant, ...]
    fetch_hint: str = ""
    extra: dict = field(default_factory=dict)
    label: str = ""  # the dataset's name for progress bars ("CIFAR-10"); default: ``name``

    @property
    def title(self) -> str:
        return self.label or self.name


def _manifest(name: str, prefix: str, urls: tuple[str, ...]) -> tuple[FileSpec, ...]:
    """FileSpecs of a folder resource from its shipped ``sha256  relative/path`` manifest."""
    specs = []
    for line in (MANIFESTS / f"{name}.sha256").read_text().splitlines():
        digest, rel = line.split(maxsplit=1)
        specs.append(
            FileSpec(
                path=f"{prefix}/{rel}",
                urls=tuple(u + rel for u in urls),
                mirror=f"{prefix}/{rel}",
                sha256=digest,
                image=True,
            )
        )
    return tuple(specs)


def _ubc_urls(folder: str) -> tuple[str, ...]:
    """Download bases in the UBC CPSC 330 repository: the pinned commit first, then main."""
    return tuple(UBC_DATA.format(ref=ref) + folder for ref in ("df0f66b5", "main"))


def _mnist() -> Resource:
    files = []
    # Sizes of the uncompressed IDX files: a 16- or 8-byte header, then one byte per pixel/label.
    for stem, md5, size in [
        ("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb", 16 + 60000 * 784),
        ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624", 8 + 60000),
        ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea", 16 + 10000 * 784),
        ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637", 8 + 10000),
    ]:
        files.append(
            FileSpec(
                path=f"MNIST/raw/{stem}",
                urls=(f"{MNIST_URL}{stem}.gz",),
                mirror=f"mnist/{stem}",
                md5=md5,
                size=size,
                gunzip=True,
            )
        )
    return Resource(
        name="mnist",
        label="MNIST",
        description="MNIST handwritten digits, 60,000 train / 10,000 test, 1x28x28",
        source="torchvision's MNIST mirror (the IDX files of LeCun, Cortes and Burges)",
        variants=(Variant("official", tuple(files), "exact: md5 of the uncompressed IDX files"),),
    )


def _cifar10() -> Resource:
    official = FileSpec(
        path="cifar-10-python.tar.gz",
        urls=("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        mirror="cifar-10-python.tar.gz",
        md5="c58f30108f718f92721af3b95e74349a",
        size=170498071,
    )
    jpeg = FileSpec(
        path="cifar10_jpeg.zip",
        mirror="cifar10_jpeg.zip",
        sha256="ad20075fc5d761cb1545aa313752ecc67cdb288bc8d01abc2128e7de0ddfedb5",
        size=62190935,
    )
    return Resource(
        name="cifar10",
        label="CIFAR-10",
        description="CIFAR-10, 50,000 train / 10,000 test, 3x32x32, 10 classes",
        source="the python version from the CIFAR-10 page (University of Toronto)",
        variants=(
            Variant("official", (official,), "exact: the official archive, md5-checked"),
            Variant(
                "jpeg",
                (jpeg,),
                "lossy: JPEG re-encoding (quality ~75) of every image, class counts exact, "
                "official order lost (mirror only)",
                exact=False,
            ),
        ),
    )


def _stl10() -> Resource:
    archive = FileSpec(
        path="stl10_binary.tar.gz",
        urls=("http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz",),
        mirror="stl10_binary.tar.gz",
        md5="91f7769df0f17e558f3565bffb0c7dfb",
        size=2640397119,
    )
    return Resource(
        name="stl10",
        label="STL-10",
        description="STL-10, 5,000 train / 8,000 test labelled images, 3x96x96, 10 classes",
        source="the STL-10 binary archive from Stanford (read by torchvision.datasets.STL10)",
        variants=(Variant("official", (archive,), "exact: the official archive, md5-checked"),),
    )


def _animal_faces() -> Resource:
    files = _manifest("animal_faces", "animal_faces", _ubc_urls("animal_faces/"))
    return Resource(
        name="animal_faces",
        label="animal faces",
        description="UBC CPSC 330 animal faces: train/ and valid/, cat, dog, wild, 50 JPEGs each",
        source="github UBC-CS/cpsc330-2024W1, lectures/data/animal_faces (from AFHQ)",
        variants=(Variant("official", files, "exact copy of the course's files, sha256-checked"),),
    )


def _photos() -> Resource:
    files = []
    names = {"cat.jpeg": "test_images/11.jpeg", "cheetah.jpg": "test_images/12.jpg",
             "dog.jpg": "test_images/669.jpg"}
    for spec in _manifest("photos", "photos", ()):
        rel = spec.path.removeprefix("photos/")
        remote = names.get(rel, rel.replace("campus/", "UBC_img/"))
        urls = tuple(base + remote for base in _ubc_urls(""))
        files.append(FileSpec(path=spec.path, urls=urls, mirror=spec.mirror,
                              sha256=spec.sha256, image=True))
    return Resource(
        name="photos",
        label="test photos",
        description="test photos: a cat, a cheetah, a dog, and 8 campus photos unlike ImageNet",
        source="github UBC-CS/cpsc330-2024W1, lectures/data/test_images and UBC_img",
        variants=(Variant("official", tuple(files), "exact copy of the course's files"),),
    )


def _sign_mnist() -> Resource:
    from imgcls.data import sign_mnist_source as sm

    return Resource(
        name="sign_mnist",
        label="Sign Language MNIST",
        description="Sign Language MNIST, 24 letters (no J, Z), 28x28 grayscale",
        source="the Kaggle dataset datamunge/sign-language-mnist (CSV, 27,455 train / 7,172 test)",
        variants=sm.variants(),
    )


def _weights(enum_name: str) -> Resource:
    """A torchvision ImageNet weight file, named and hashed exactly as torchvision expects."""
    from torchvision.models import get_weight

    weights = get_weight(enum_name)
    filename = weights.url.rsplit("/", 1)[-1]
    prefix = filename.rsplit("-", 1)[-1].split(".")[0]
    spec = FileSpec(path=filename, urls=(weights.url,), mirror=f"weights/{filename}",
                    sha256=prefix, in_hub=True)
    return Resource(
        name=f"weights:{enum_name}",
        description=f"torchvision {enum_name} ImageNet weights ({filename})",
        source="download.pytorch.org, torchvision's published weights (hash in the file name)",
        variants=(Variant("official", (spec,), "exact: torchvision's own file"),),
        extra={"enum": enum_name},
    )


def _mobilenet_int8() -> Resource:
    """PyTorch's TorchScript export of torchvision's int8 MobileNetV2 (the offline ImageNet net)."""
    commit = "b8f52b772b98a48f4d3bb14e8eb977724a66836b"
    url = (f"https://raw.githubusercontent.com/pytorch/ios-demo-app/{commit}/PyTorchDemo/"
           "PyTorchDemo/ImageClassification/model/mobilenet_quantized.pt")
    spec = FileSpec(path="weights/mobilenet_quantized.pt", urls=(url,),
                    mirror="weights/mobilenet_quantized.pt", size=3598958,
                    sha256="2778381c5eb7639a2229bc39567cf644226e5aa3d3a1d46dfcee70b373738498")
    return Resource(
        name="weights:mobilenet_quantized",
        description="ImageNet-pretrained MobileNetV2, int8 TorchScript "
                    "(torchvision's MobileNet_V2_QuantizedWeights.IMAGENET1K_QNNPACK_V1)",
        source=f"github pytorch/ios-demo-app @ {commit[:8]}, its image classification demo model",
        variants=(Variant("official", (spec,), "exact copy of PyTorch's export, sha256-checked; "
                          "int8 weights, dequantized to float when used"),),
    )


WEIGHTS = ("DenseNet121_Weights.IMAGENET1K_V1", "ResNet50_Weights.IMAGENET1K_V2",
           "MobileNet_V2_Weights.IMAGENET1K_V1")


class _Registry(MutableMapping[str, Resource]):
    """Resources by name, each built the first time it is asked for: the weight entries come
    from torchvision itself, whose import costs seconds, which a page that only reads CIFAR-10
    should not pay. Tests may replace or add entries."""

    def __init__(self, builders: dict[str, Callable[[], Resource]]) -> None:
        self._builders = builders
        self._built: dict[str, Resource] = {}

    def __getitem__(self, name: str) -> Resource:
        if name not in self._built:
            self._built[name] = self._builders[name]()
        return self._built[name]

    def __setitem__(self, name: str, resource: Resource) -> None:
        self._builders.setdefault(name, lambda: resource)
        self._built[name] = resource

    def __delitem__(self, name: str) -> None:
        del self._builders[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)


@cache
def registry() -> Mapping[str, Resource]:
    """Every resource by name (each built once, on first use)."""
    builders: dict[str, Callable[[], Resource]] = {
        "mnist": _mnist, "animal_faces": _animal_faces, "photos": _photos,
        "cifar10": _cifar10, "sign_mnist": _sign_mnist, "stl10": _stl10}
    builders |= {f"weights:{w}": partial(_weights, w) for w in WEIGHTS}
    builders["weights:mobilenet_quantized"] = _mobilenet_int8
    return _Registry(builders)


def get(name: str) -> Resource:
    """The resource called ``name``, or a KeyError listing the names that exist."""
    try:
        return registry()[name]
    except KeyError:
        known = ", ".join(registry())
        raise KeyError(f"unknown resource {name!r}; known resources: {known}") from None
