"""Fine-tuning helpers for chapter 11: the data (STL-10 or its offline stand-in), frozen features
for the new head, the optimizers of the two profiles, a fast on-device image pipeline, a plain
DataLoader+PIL pipeline to compare it with, and the error analysis.

The fast pipeline decodes the images once into uint8 tensors, keeps them on the device and
augments whole batches there with one affine warp per batch (random crop from a padded image,
small rotation, horizontal flip and resize in a single ``grid_sample``), so that a GPU never waits
for a CPU decoding JPEGs or PIL images one at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset

from imgcls import config
from imgcls.data.errors import DataError
from imgcls.plots import show_images
from imgcls.train import amp_dtype


@dataclass(frozen=True)
class FinetuneData:
    """uint8 images (N x 3 x H x W) and labels of both splits, with what they are and whence."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]
    name: str
    description: str
    standin: bool


def load_data(train_per_class: int | None, test_per_class: int | None,
              seed: int = 0) -> FinetuneData:
    """STL-10 (stratified subsets), or offline, with stand-ins allowed, the mirror's CIFAR-10."""
    from imgcls.data.stl10 import load_stl10

    try:
        d = load_stl10(train_per_class, test_per_class, seed)
        return FinetuneData(d.x_train, d.y_train, d.x_test, d.y_test, d.classes, "STL-10",
                            d.source, standin=False)
    except DataError:
        if not config.allow_standins():
            raise
    from imgcls.data.cifar10 import load_cifar10

    c = load_cifar10(train_per_class, test_per_class, seed)
    text = (f"STL-10 cannot be had here, so CIFAR-10 (10 classes, 32x32) stands in for it: "
            f"{c.source}. Its train split feeds training and its test split the evaluation.")
    return FinetuneData(c.x_train, c.y_train, c.x_test, c.y_test, c.classes,
                        "CIFAR-10 (stand-in for STL-10)", text, standin=True)


def feature_autocast(device: torch.device, amp: bool):
    """The autocast context for a forward pass with ``amp`` on ``device``: the training loop's
    choice (``imgcls.train.amp_dtype``), bfloat16 where the GPU computes it natively, float16
    where it would only emulate it (a T4), none off CUDA. A pass without backward needs no
    gradient scaler."""
    dtype = amp_dtype(device, amp)
    return nullcontext() if dtype is None else torch.autocast(device.type, dtype=dtype)


@torch.no_grad()
def frozen_features(extractor: nn.Module, batches: Iterable,
                    amp: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N x feature_dim, float32) and labels of every batch, the network in eval mode.

    Runs where the batches live; ``amp`` autocasts on CUDA only (see ``feature_autocast``).
    """
    extractor.eval()
    features, labels = [], []
    for x, y in batches:
        extractor.to(x.device)
        with feature_autocast(x.device, amp):
            features.append(extractor(x).float())
        labels.append(y)
    return torch.cat(features), torch.cat(labels)


def fine_tuning_recipe(model: nn.Module) -> tuple[str, float]:
    """The optimizer and learning rate for fine-tuning ``model`` end to end.

    A network with batch norms gets the lecture's SGD at 0.001. Without them (folded into the
    convolutions) SGD at that rate blows the pretrained weights up within an epoch, so such a
    network gets Adam at 3e-5, which fine-tuned the folded MobileNetV2 smoothly.
    """
    if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        return "SGD", 1e-3
    return "Adam", 3e-5


def make_optimizer(params: Iterable, name: str, lr: float) -> torch.optim.Optimizer:
    """``"SGD"`` with momentum 0.9 (the lecture's) or ``"Adam"``, at learning rate ``lr``."""
    if name == "SGD":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "Adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; choose 'SGD' or 'Adam'")


def _normalise(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    m = torch.as_tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s


def _shrink(x: torch.Tensor, size: int) -> torch.Tensor:
    """Float images in [0, 1]; images larger than ``size`` are first shrunk with antialiasing."""
    x = x.float().div_(255)
    if x.shape[-1] > size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False,
                          antialias=True)
    return x


@dataclass(frozen=True)
class Preprocess:
    """The plain test transform on uint8 batches: resize to ``size`` (bilinear), normalise."""

    size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        x = _shrink(x, self.size)
        if x.shape[-1] != self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              align_corners=False)
        return _normalise(x, self.mean, self.std)


@dataclass(frozen=True)
class Augment:
    """The training transform on uint8 batches, on whatever device they live on.

    Each image gets its own random crop of the image padded by ``pad`` pixels (a shift by
    -pad..pad pixels, edges mirrored), a rotation by -degrees..degrees, a
    horizontal flip with probability 1/2, and is resized to ``size`` and normalised. All four
    are one affine map per image, applied to the batch by a single ``grid_sample``.
    """

    size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    pad: int = 4
    degrees: float = 10.0
    flip: bool = True

    def theta(self, n: int, width: int, generator: torch.Generator | None = None,
              device: torch.device | str = "cpu") -> torch.Tensor:
        """Random n x 2 x 3 affine maps from output to input coordinates (both in [-1, 1])."""
        def uniform(low: float, high: float) -> torch.Tensor:
            return low + (high - low) * torch.rand(n, generator=generator, device=device)

        angle = uniform(-self.degrees, self.degrees) * (math.pi / 180)
        sign = torch.ones(n, device=device)
        if self.flip:
            sign = torch.where(uniform(0, 1) < 0.5, -1.0, 1.0)
        shift = torch.randint(-self.pad, self.pad + 1, (2, n), generator=generator,
                              device=device) * (2.0 / width)
        cos, sin = torch.cos(angle), torch.sin(angle)
        return torch.stack([torch.stack([cos * sign, -sin, shift[0]], 1),
                            torch.stack([sin * sign, cos, shift[1]], 1)], 1)

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        theta = self.theta(len(x), x.shape[-1], generator, x.device)
        return _normalise(warp(_shrink(x, self.size), theta, self.size), self.mean, self.std)


def warp(x: torch.Tensor, theta: torch.Tensor, size: int) -> torch.Tensor:
    """Resample float images by affine maps ``theta`` (n x 2 x 3) into ``size`` x ``size``.

    Points outside an image take the value of their mirror image across its edge (like numpy's
    'symmetric' padding), so shifted or rotated images have no black borders.
    """
    grid = F.affine_grid(theta.to(x.dtype), [len(x), x.shape[1], size, size], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


class DeviceBatches:
    """Mini-batches drawn from uint8 images kept on one device, transformed there batch by batch.

    Re-iterable with ``len``, as a training loop expects; with ``shuffle`` each pass draws a new
    order (and new augmentations) from its own seeded generator, so runs repeat exactly.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int,
                 transform: Callable[..., torch.Tensor], *, shuffle: bool = False, seed: int = 0,
                 device: torch.device | str | None = None, channels_last: bool = False):
        self.device = torch.device(device) if device is not None else config.device()
        self.images = images.to(self.device)
        self.labels = labels.to(self.device)
        self.batch_size, self.transform, self.shuffle = batch_size, transform, shuffle
        self.channels_last = channels_last
        self.generator = torch.Generator(device=self.device).manual_seed(seed)

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.labels)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator, device=self.device)
        else:
            order = torch.arange(n, device=self.device)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            x = self.transform(self.images[idx], generator=self.generator)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            yield x, self.labels[idx]


def pil_transforms(size: int, mean: Sequence[float], std: Sequence[float], *, train: bool,
                   image_size: int, pad: int = 4, degrees: float = 10.0):
    """``Augment`` (train) or ``Preprocess`` (test) as torchvision's per-image PIL transforms.

    The one difference: torchvision's rotation fills the corners it uncovers with black.
    """
    from torchvision import transforms as T

    steps = []
    if train:
        steps += [T.RandomCrop(image_size, padding=pad, padding_mode="symmetric"),
                  T.RandomRotation(degrees, interpolation=T.InterpolationMode.BILINEAR),
                  T.RandomHorizontalFlip()]
    steps += [T.Resize(size), T.ToTensor(), T.Normalize(mean, std)]
    return T.Compose(steps)


class PilImages(Dataset):
    """uint8 images served one at a time as PIL images, as torchvision's datasets do."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform):
        self.images = images.permute(0, 2, 3, 1).numpy()
        self.labels = labels.tolist()
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.transform(Image.fromarray(self.images[i])), self.labels[i]


def pil_loader(images: torch.Tensor, labels: torch.Tensor, transform, batch_size: int, *,
               shuffle: bool, workers: int = 2) -> DataLoader:
    """A straightforward DataLoader over ``PilImages`` (worker processes, pinned memory)."""
    return DataLoader(PilImages(images, labels, transform), batch_size=batch_size,
                      shuffle=shuffle, num_workers=workers, pin_memory=torch.cuda.is_available(),
                      persistent_workers=workers > 0)


def show_per_class(images: torch.Tensor, labels: torch.Tensor, classes: Sequence[str],
                   per_class: int = 6, size: float = 1.1) -> plt.Figure:
    """A grid with one row per class: the first ``per_class`` images of that class."""
    fig, axes = plt.subplots(len(classes), per_class, figsize=(size * per_class + 1,
                                                               size * len(classes)),
                             squeeze=False)
    for c, name in enumerate(classes):
        idx = torch.nonzero(labels == c).flatten()[:per_class]
        for j, ax in enumerate(axes[c]):
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            if j < len(idx):
                ax.imshow(images[idx[j]].permute(1, 2, 0).numpy())
        axes[c, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def denormalise(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Undo the normalisation of a batch, for display (values clipped to [0, 1])."""
    m = torch.as_tensor(mean, device=x.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, device=x.device).view(1, -1, 1, 1)
    return (x.float() * s + m).clamp(0, 1)


def plot_accuracy(history, batches_per_epoch: int) -> plt.Figure:
    """Training accuracy of every mini-batch and validation accuracy after every epoch, on one
    axis, with the best epoch marked."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    acc = np.asarray(history.batch_train_acc)
    steps = np.arange(1, len(acc) + 1) / batches_per_epoch
    ax.plot(steps, acc, lw=0.7, alpha=0.4, label="train (each mini-batch)")
    window = max(1, min(len(acc), batches_per_epoch // 4))
    smooth = np.convolve(acc, np.ones(window) / window, mode="valid")
    ax.plot(steps[window - 1:], smooth, color="C0", label=f"train (mean of {window} batches)")
    epochs = np.arange(1, len(history.val_acc) + 1)
    ax.plot(epochs, history.val_acc, "o-", label="validation (after each epoch)")
    ax.axvline(history.best_epoch, color="grey", ls=":", label=f"best epoch ({history.best_epoch})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def per_class_errors(probs: torch.Tensor, labels: torch.Tensor,
                     classes: Sequence[str]) -> pd.DataFrame:
    """Per true class: images, errors, error rate and the class most often predicted instead."""
    pred = probs.argmax(1)
    rows = []
    for c, name in enumerate(classes):
        mine = labels == c
        wrong = pred[mine & (pred != c)]
        common = "-"
        if len(wrong):
            counts = torch.bincount(wrong, minlength=len(classes))
            common = f"{classes[int(counts.argmax())]} ({int(counts.max())})"
        rows.append({"class": name, "images": int(mine.sum()), "errors": len(wrong),
                     "error rate": len(wrong) / max(int(mine.sum()), 1),
                     "most often taken for": common})
    return pd.DataFrame(rows).set_index("class")


def top_confusions(cm: torch.Tensor, classes: Sequence[str], k: int = 5) -> pd.DataFrame:
    """The ``k`` largest off-diagonal cells of a confusion matrix: true, predicted, count."""
    off = cm.clone()
    off.fill_diagonal_(0)
    counts, flat = off.flatten().topk(k)
    n = len(classes)
    return pd.DataFrame({"true": [classes[int(i) // n] for i in flat],
                         "predicted": [classes[int(i) % n] for i in flat],
                         "count": counts.tolist()})


def confidently_wrong(probs: torch.Tensor, labels: torch.Tensor,
                      per_class: int = 1) -> pd.DataFrame:
    """For each true class, its ``per_class`` errors made with the highest confidence.

    Columns: index (into the test set), true and predicted class indices, the probability given
    to the wrong prediction, and that given to the true class.
    """
    conf, pred = probs.max(1)
    rows = []
    for c in range(probs.shape[1]):
        idx = torch.nonzero((labels == c) & (pred != c)).flatten()
        for i in idx[conf[idx].argsort(descending=True)[:per_class]].tolist():
            rows.append({"index": i, "true": c, "predicted": int(pred[i]),
                         "confidence": float(conf[i]), "p(true)": float(probs[i, c])})
    return pd.DataFrame(rows, columns=["index", "true", "predicted", "confidence", "p(true)"])


def show_confidently_wrong(images: torch.Tensor, wrong: pd.DataFrame,
                           classes: Sequence[str], ncols: int = 5) -> plt.Figure:
    """The images of ``confidently_wrong``, titled 'true -> predicted (confidence)'."""
    titles = [f"{classes[t]} → {classes[p]}\n({c:.2f})"
              for t, p, c in zip(wrong["true"], wrong["predicted"], wrong["confidence"],
                                 strict=True)]
    return show_images([images[i] for i in wrong["index"]], titles, ncols=ncols, size=1.9)


def most_like(probs: torch.Tensor, labels: torch.Tensor, true: int, like: int,
              k: int = 8) -> torch.Tensor:
    """Indices of the ``k`` images of class ``true`` given the highest probability of class
    ``like``, highest first (with ``like == true``: the images it is surest are right)."""
    idx = torch.nonzero(labels == true).flatten()
    return idx[probs[idx, like].argsort(descending=True)[:k]]


def show_most_like(images: torch.Tensor, probs: torch.Tensor, labels: torch.Tensor,
                   classes: Sequence[str], like: int, rows: Sequence[int],
                   k: int = 8, size: float = 1.4) -> plt.Figure:
    """One row per true class in ``rows``: its ``k`` images most like class ``like`` (see
    ``most_like``), titled with p(like) and the prediction; for checking a suspected cue."""
    fig, axes = plt.subplots(len(rows), k, figsize=(size * k + 1.5, (size + 0.3) * len(rows)),
                             squeeze=False)
    pred = probs.argmax(1)
    for r, true in enumerate(rows):
        for ax in axes[r]:
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
        for ax, i in zip(axes[r], most_like(probs, labels, true, like, k).tolist(), strict=False):
            ax.imshow(images[i].permute(1, 2, 0).cpu().numpy())
            ax.set_title(f"p({classes[like]}) {probs[i, like]:.2f}\n→ {classes[int(pred[i])]}",
                         fontsize=8)
        axes[r, 0].set_ylabel(classes[true], rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def as_uint8_batch(photos: Sequence[Image.Image], side: int) -> torch.Tensor:
    """Photos as the uint8 batch the pipeline holds (N x 3 x side x side): each centre-cropped
    to a square and resized to ``side``, the size of the data set's own images."""
    from PIL import ImageOps

    squares = [np.asarray(ImageOps.fit(p.convert("RGB"), (side, side),
                                       Image.Resampling.BILINEAR)) for p in photos]
    return torch.from_numpy(np.stack(squares)).permute(0, 3, 1, 2).contiguous()
