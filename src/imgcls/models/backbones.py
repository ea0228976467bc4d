"""Pretrained backbones: torchvision's ImageNet networks, or offline the project's stand-in.

``load_backbone("densenet121")`` gives the real torchvision weights whenever their file can be
put in torch hub's checkpoint folder (already there, copied from a mirror, or downloaded and
hash-checked by ``imgcls.data.fetch``). Without them it uses the stand-in of
``imgcls.models.standin``, but only when ``IMGCLS_ALLOW_STANDINS=1``; otherwise it raises a
``DataError`` naming the command that fixes it. Either way the returned ``Backbone`` says what it
holds, so that a page can show it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torchvision
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset

from imgcls import config
from imgcls.data import DataError, fetch
from imgcls.models import standin

WEIGHTS = {
    "densenet121": "DenseNet121_Weights.IMAGENET1K_V1",
    "resnet50": "ResNet50_Weights.IMAGENET1K_V2",
    "resnet18": "ResNet18_Weights.IMAGENET1K_V1",
}


@dataclass
class Backbone:
    """A pretrained classifier with what is needed to use it: classes, preprocessing, provenance."""

    model: nn.Module
    arch: str
    weights_name: str
    standin: bool
    categories: list[str]
    transforms: Callable
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    input_size: int
    feature_dim: int
    description: str


def _head_name(model: nn.Module) -> str:
    """The attribute holding the final linear layer: ``fc`` (ResNets) or ``classifier``."""
    for name in ("fc", "classifier"):
        if isinstance(getattr(model, name, None), nn.Linear):
            return name
    raise TypeError(f"{type(model).__name__} has no final linear layer named fc or classifier")


def _real(arch: str, enum_name: str) -> Backbone:
    weights = torchvision.models.get_weight(enum_name)
    model = getattr(torchvision.models, arch)(weights=weights).eval()
    preprocess = weights.transforms()
    top1 = weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    file = weights.url.rsplit("/", 1)[-1]
    return Backbone(
        model=model, arch=arch, weights_name=enum_name, standin=False,
        categories=list(weights.meta["categories"]), transforms=preprocess,
        mean=tuple(preprocess.mean), std=tuple(preprocess.std),
        input_size=preprocess.crop_size[0],
        feature_dim=getattr(model, _head_name(model)).in_features,
        description=(f"torchvision's {enum_name} for {arch}: pretrained on ImageNet-1k "
                     f"(1000 classes, {top1:.1f}% top-1 there), file {file}, hash-checked."),
    )


def _standin(arch: str, enum_name: str) -> Backbone:
    model, record = standin.load_standin()
    mean, std, size = tuple(record["mean"]), tuple(record["std"]), record["input_size"]
    return Backbone(
        model=model, arch=arch, weights_name=record["name"], standin=True,
        categories=list(record["classes"]), transforms=standin.preprocess(record),
        mean=mean, std=std,
        input_size=size, feature_dim=record["feature_dim"],
        description=(f"No ImageNet weights are available offline, so instead of {enum_name} "
                     f"this page uses the project's stand-in {record['name']}: "
                     f"{record['architecture']}, pretrained by data_scripts/train_standin.py "
                     f"on {len(record['classes'])} CIFAR-10 classes at {size}x{size} pixels "
                     f"({record['holdout_accuracy']:.0%} on held-out CIFAR-10 train images). "
                     f"Its figures are not the lecture's."),
    )


def load_backbone(arch: str) -> Backbone:
    """The pretrained ``arch`` ("densenet121", "resnet50" or "resnet18"), real or stand-in."""
    if arch not in WEIGHTS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {list(WEIGHTS)}")
    enum_name = WEIGHTS[arch]
    resource = f"weights:{enum_name}"
    try:
        fetch(resource)
    except DataError as exc:
        if config.allow_standins():
            return _standin(arch, enum_name)
        raise DataError(
            resource, exc.file, exc.problem,
            fix=(f"python data_scripts/fetch.py {resource}   (online, or with --mirror DIR "
                 f"holding weights/); offline, where no ImageNet weights can be had, set "
                 f"IMGCLS_ALLOW_STANDINS=1 to use the project's stand-in backbone "
                 f"(python data_scripts/train_standin.py makes it)"),
        ) from None
    return _real(arch, enum_name)


def feature_extractor(backbone: Backbone) -> nn.Module:
    """A copy of the network that maps a batch to its penultimate features (N x feature_dim)."""
    model = copy.deepcopy(backbone.model)
    setattr(model, _head_name(model), nn.Identity())
    return model.eval()


def with_new_head(backbone: Backbone, num_classes: int) -> nn.Module:
    """A copy of the network whose final layer is a fresh ``Linear(feature_dim, num_classes)``."""
    model = copy.deepcopy(backbone.model)
    setattr(model, _head_name(model), nn.Linear(backbone.feature_dim, num_classes))
    return model


@torch.no_grad()
def top_classes(backbone: Backbone, image: Image.Image, k: int = 4) -> list[tuple[str, float]]:
    """The ``k`` most probable classes of the pretraining task for one image, with probabilities."""
    probs = backbone.model(backbone.transforms(image).unsqueeze(0)).softmax(dim=1)[0]
    values, indices = probs.topk(k)
    return [(backbone.categories[i], float(p)) for p, i in zip(values, indices.tolist(),
                                                                strict=True)]


@torch.no_grad()
def extract_features(extractor: nn.Module, dataset: Dataset,
                     batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Features (N x feature_dim) and labels of a dataset whose transform prepares the images."""
    extractor.eval()
    features, labels = [], []
    for x, y in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        features.append(extractor(x))
        labels.append(y)
    return torch.cat(features).numpy(), torch.cat(labels).numpy()
