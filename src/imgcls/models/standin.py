"""The offline stand-in backbone: a small ResNet the project pretrains itself on CIFAR-10.

No ImageNet weight file can be had offline, and random weights would teach nothing, so offline
runs (only with ``IMGCLS_ALLOW_STANDINS=1``) use this network instead. It is trained once,
deterministically, on CIFAR-10's *train* split (the test split stays unseen), and cached in the
data folder as ``standin/<NAME>.pt`` with a JSON record beside it: architecture, data, recipe,
held-out accuracy, training time and the file's sha256. A cached file that fails its checksum or
was made by another recipe is retrained, with a message saying why.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms import v2
from tqdm.auto import tqdm

from imgcls import config
from imgcls.data.cifar10 import load_cifar10

NAME = "imgcls-standin-smallresnet-cifar10-v2"
FOLDER = "standin"
INPUT_SIZE = 32
RESIZE_SIZE = 36  # resize, then centre-crop INPUT_SIZE: the ratio of ImageNet's 256 and 224


@dataclass(frozen=True)
class Recipe:
    """How the stand-in is trained; a cached file made by another recipe is retrained."""

    widths: tuple[int, int, int] = (32, 64, 128)
    train_per_class: int = 2500
    holdout_per_class: int = 100
    epochs: int = 3
    batch_size: int = 128
    lr: float = 0.2
    weight_decay: float = 5e-4
    seed: int = 0


DEFAULT = Recipe()


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and a shortcut (a projection when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class SmallResNet(nn.Module):
    """A three-block ResNet for 32x32 images (each block halves the resolution: 16, 8, 4 pixels).

    Its classifier ``fc`` (named as in torchvision's ResNets) reads the average-pooled outputs of
    the last two blocks side by side: mid-level features (parts, textures) next to the most
    task-specific ones, which carry over to other photos better than the last block alone.
    """

    def __init__(self, widths: tuple[int, int, int] = DEFAULT.widths, num_classes: int = 10):
        super().__init__()
        w1, w2, w3 = widths
        self.stem = nn.Sequential(nn.Conv2d(3, w1, 3, 1, 1, bias=False), nn.BatchNorm2d(w1),
                                  nn.ReLU())
        self.layer1 = BasicBlock(w1, w1, stride=2)
        self.layer2 = BasicBlock(w1, w2, stride=2)
        self.layer3 = BasicBlock(w2, w3, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(w2 + w3, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mid = self.layer2(self.layer1(self.stem(x)))
        features = torch.cat([self.pool(mid), self.pool(self.layer3(mid))], dim=1)
        return self.fc(torch.flatten(features, 1))


def describe_architecture(widths: tuple[int, int, int]) -> str:
    """One line naming the stand-in's layers, for its JSON record and the page's note."""
    w1, w2, w3 = widths
    return (f"SmallResNet: a 3x3 convolution ({w1} channels) and three residual blocks "
            f"({w1}, {w2}, {w3} channels at 16, 8 and 4 pixels); the average-pooled outputs of "
            f"the last two blocks ({w2 + w3} features) feed a linear layer {w2 + w3}->10")


def preprocess(record: dict) -> v2.Compose:
    """The stand-in's own preprocessing for a photo (PIL image or uint8 tensor): resize,
    centre crop to its input size, scale to [0, 1], normalise with its training set's statistics.
    """
    size = record["input_size"]
    return v2.Compose([
        v2.ToImage(), v2.Resize(RESIZE_SIZE, antialias=True), v2.CenterCrop(size),
        v2.ToDtype(torch.float32, scale=True), v2.Normalize(record["mean"], record["std"]),
    ])


def paths(data_dir: Path | None = None) -> tuple[Path, Path]:
    """The stand-in's weight file and its JSON record in the data folder."""
    folder = (Path(data_dir) if data_dir else config.data_dir()) / FOLDER
    return folder / f"{NAME}.pt", folder / f"{NAME}.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _split(labels: torch.Tensor, recipe: Recipe) -> tuple[torch.Tensor, torch.Tensor]:
    """Per class, a seeded draw of held-out images and training images from the train split."""
    gen = torch.Generator().manual_seed(recipe.seed)
    train, held = [], []
    for c in torch.unique(labels):
        idx = torch.nonzero(labels == c).flatten()
        need = recipe.holdout_per_class + recipe.train_per_class
        if len(idx) < need:
            raise ValueError(f"class {int(c)} has {len(idx)} train images, the recipe needs {need}")
        idx = idx[torch.randperm(len(idx), generator=gen)]
        held.append(idx[:recipe.holdout_per_class])
        train.append(idx[recipe.holdout_per_class:need])
    return torch.cat(train), torch.cat(held)


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random 32x32 crops of the 4-pixel reflect-padded batch, half of them mirrored."""
    n, _, h, w = x.shape
    padded = F.pad(x, (4, 4, 4, 4), mode="reflect")
    dy = torch.randint(0, 9, (n,), generator=gen).tolist()
    dx = torch.randint(0, 9, (n,), generator=gen).tolist()
    crops = zip(dy, dx, strict=True)
    out = torch.stack([padded[i, :, a:a + h, b:b + w] for i, (a, b) in enumerate(crops)])
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


@torch.no_grad()
def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> float:
    model.eval()
    hits = sum(int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
               for i in range(0, len(x), batch))
    return hits / len(x)


def train(recipe: Recipe | None = None, data_dir: Path | None = None,
          progress: bool = True) -> dict:
    """Train the stand-in on CIFAR-10's train split, save it with its record; return the record.

    Training runs on one thread: the result then does not depend on the machine's core count,
    and a small network loses little (and gains much on a busy machine) without a thread pool.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(recipe or DEFAULT, data_dir, progress)
    finally:
        torch.set_num_threads(threads)


def _train(recipe: Recipe, data_dir: Path | None, progress: bool) -> dict:
    start, cpu_start = time.perf_counter(), time.process_time()
    torch.manual_seed(recipe.seed)
    data = load_cifar10(seed=recipe.seed)
    tr, held = _split(data.y_train, recipe)
    x = data.x_train[tr].float().div_(255)
    mean, std = x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3))
    x = (x - mean[:, None, None]) / std[:, None, None]
    y = data.y_train[tr]
    x_held = (data.x_train[held].float().div_(255) - mean[:, None, None]) / std[:, None, None]

    model = SmallResNet(recipe.widths, len(data.classes))
    steps = recipe.epochs * -(-len(x) // recipe.batch_size)
    opt = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=0.9, nesterov=True,
                          weight_decay=recipe.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, recipe.lr, total_steps=steps)
    gen = torch.Generator().manual_seed(recipe.seed)
    bar = tqdm(total=steps, desc="training the stand-in", disable=not progress, leave=False)
    for _ in range(recipe.epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), recipe.batch_size):
            idx = order[i:i + recipe.batch_size]
            loss = F.cross_entropy(model(_augment(x[idx], gen)), y[idx], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    record = {
        "name": NAME,
        "architecture": describe_architecture(recipe.widths),
        "parameters": sum(p.numel() for p in model.parameters()),
        "feature_dim": recipe.widths[1] + recipe.widths[2],
        "input_size": INPUT_SIZE,
        "mean": [round(float(v), 4) for v in mean],
        "std": [round(float(v), 4) for v in std],
        "classes": list(data.classes),
        "data": (f"CIFAR-10 train split only, {recipe.train_per_class} images per class for "
                 f"training and {recipe.holdout_per_class} held out; {data.source}"),
        "recipe": asdict(recipe),
        "epochs": recipe.epochs,
        "holdout_accuracy": round(_accuracy(model, x_held, data.y_train[held]), 4),
        "train_seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(time.process_time() - cpu_start, 1),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    weights, meta = paths(data_dir)
    weights.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(weights, lambda f: torch.save(model.state_dict(), f))
    record["sha256"] = _sha256(weights)
    _atomic_write(meta, lambda f: f.write(json.dumps(record, indent=2).encode()))
    return record


def _atomic_write(dest: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)


def problem(recipe: Recipe | None = None, data_dir: Path | None = None) -> str | None:
    """Why the cached stand-in cannot be used (None when it is present, intact and current)."""
    recipe = recipe or DEFAULT
    weights, meta = paths(data_dir)
    if not weights.is_file() or not meta.is_file():
        return f"{weights} is not there yet"
    try:
        record = json.loads(meta.read_text())
    except json.JSONDecodeError as exc:
        return f"its record {meta} is not valid JSON ({exc})"
    if record.get("recipe") != json.loads(json.dumps(asdict(recipe))):
        return f"{weights} was made by another recipe"
    if _sha256(weights) != record.get("sha256"):
        return f"{weights} fails its sha256 checksum (corrupt or changed)"
    return None


def ensure_standin(recipe: Recipe | None = None, data_dir: Path | None = None,
                   progress: bool = True, force: bool = False) -> dict:
    """The stand-in's record, training it first (once, under a lock) when the cache is unusable."""
    weights, _ = paths(data_dir)
    weights.parent.mkdir(parents=True, exist_ok=True)
    with open(weights.with_suffix(".lock"), "w") as lock:  # one lock per stand-in version
        fcntl.flock(lock, fcntl.LOCK_EX)
        why = "retraining on request" if force else problem(recipe, data_dir)
        if why is not None:
            print(f"Stand-in backbone: {why}; training it on CIFAR-10's train split "
                  f"(a few minutes on one CPU core, once).")
            record = train(recipe, data_dir, progress)
            print(f"Stand-in backbone trained in {record['train_seconds']} s, held-out accuracy "
                  f"{record['holdout_accuracy']:.3f}; saved to {weights}.")
        return json.loads(paths(data_dir)[1].read_text())


def load_standin(recipe: Recipe | None = None,
                 data_dir: Path | None = None) -> tuple[SmallResNet, dict]:
    """The pretrained stand-in in eval mode and its record (trained first if need be)."""
    record = ensure_standin(recipe, data_dir)
    model = SmallResNet(tuple(record["recipe"]["widths"]), len(record["classes"]))
    state = torch.load(paths(data_dir)[0], map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval(), record
