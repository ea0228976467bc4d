"""Pretrained backbones: torchvision's ImageNet networks, or offline the mirror's MobileNetV2.

``load_backbone("densenet121")`` gives the real torchvision weights whenever their file can be
put in torch hub's checkpoint folder (already there, copied from a mirror, or downloaded and
hash-checked by ``imgcls.data.fetch``). Without them, and only when ``IMGCLS_ALLOW_STANDINS=1``,
it uses the one ImageNet network an offline mirror holds: torchvision's MobileNetV2 with the
dequantized weights of PyTorch's int8 export (``imgcls.models.dequantized``). Otherwise it raises
a ``DataError`` naming the command that fixes it. Either way the returned ``Backbone`` says what
it holds, so that a page can show it.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset

from imgcls import config
from imgcls.data import DataError, fetch
from imgcls.data.errors import fix_command
from imgcls.models import dequantized

WEIGHTS = {
    "densenet121": "DenseNet121_Weights.IMAGENET1K_V1",
    "resnet50": "ResNet50_Weights.IMAGENET1K_V2",
    "mobilenet_v2": "MobileNet_V2_Weights.IMAGENET1K_V1",
}
# The offline network: the int8 export's weights, as torchvision names them.
MIRROR_RESOURCE = "weights:mobilenet_quantized"
MIRROR_WEIGHTS = "MobileNet_V2_QuantizedWeights.IMAGENET1K_QNNPACK_V1"


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


def _head_slot(model: nn.Module) -> tuple[nn.Module, str]:
    """The module holding the final linear layer and its attribute name there: ``fc`` (ResNets),
    ``classifier`` (DenseNets) or the last layer of a ``classifier`` sequence (MobileNets).
    """
    for name in ("fc", "classifier"):
        layer = getattr(model, name, None)
        if isinstance(layer, nn.Linear):
            return model, name
        if isinstance(layer, nn.Sequential) and isinstance(layer[-1], nn.Linear):
            return layer, str(len(layer) - 1)
    raise TypeError(f"{type(model).__name__} has no final linear layer named fc or classifier")


def head(model: nn.Module) -> nn.Linear:
    """The final linear layer of a network: the one that maps features to class scores."""
    parent, name = _head_slot(model)
    return getattr(parent, name)


def _backbone(model: nn.Module, arch: str, enum_name: str, standin: bool,
              description: str) -> Backbone:
    weights = torchvision.models.get_weight(enum_name)
    preprocess = weights.transforms()
    # channels-last weights: convolutions take the usual N x C x H x W batches and run faster,
    # on CPUs as on GPUs (MobileNetV2 on two CPU cores: 2.4 times), equal up to rounding
    model = model.eval().to(memory_format=torch.channels_last)
    return Backbone(
        model=model, arch=arch, weights_name=enum_name, standin=standin,
        categories=list(weights.meta["categories"]), transforms=preprocess,
        mean=tuple(preprocess.mean), std=tuple(preprocess.std),
        input_size=preprocess.crop_size[0], feature_dim=head(model).in_features,
        description=description,
    )


def _real(arch: str, enum_name: str) -> Backbone:
    weights = torchvision.models.get_weight(enum_name)
    top1 = weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    file = weights.url.rsplit("/", 1)[-1]
    if arch == "mobilenet_v2":
        model = dequantized.float_mobilenet_v2(weights)
        folded = " Batch norms folded into the convolutions."
    else:
        model, folded = getattr(torchvision.models, arch)(weights=weights), ""
    return _backbone(model, arch, enum_name, False,
                     f"torchvision's {enum_name} for {arch}: pretrained on ImageNet-1k "
                     f"(1000 classes, {top1:.1f}% top-1 there), file {file}, hash-checked."
                     + folded)


@functools.lru_cache(maxsize=1)
def _dequantized(path: Path) -> nn.Module:
    """The mirror's network, dequantized once per session (a page may ask for it repeatedly, in
    place of each of the book's networks); callers get copies."""
    return dequantized.dequantized_mobilenet_v2(path)


def _mirror(arch: str, enum_name: str) -> Backbone:
    """The mirror's int8 MobileNetV2, dequantized, in place of ``enum_name``."""
    path = fetch(MIRROR_RESOURCE).paths[0]
    weights = torchvision.models.get_weight(MIRROR_WEIGHTS)
    top1 = weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]
    model = copy.deepcopy(_dequantized(path))
    params = sum(p.numel() for p in model.parameters())
    instead = ("the same network's int8 weights" if arch == "mobilenet_v2"
               else f"a smaller network than {arch}")
    return _backbone(model, "mobilenet_v2", MIRROR_WEIGHTS, True,
                     f"torchvision's {enum_name} cannot be had offline, so this page uses "
                     f"{instead}: torchvision's MobileNetV2 ({params / 1e6:.1f} M weights, "
                     f"{head(model).in_features:,} features) with the real ImageNet-1k "
                     f"weights {MIRROR_WEIGHTS} ({top1:.1f}% top-1 there as int8), read from "
                     f"PyTorch's TorchScript export {path.name} and dequantized to float "
                     f"(batch norms folded into the convolutions, ReLU for ReLU6 as in "
                     f"torchvision's quantizable MobileNetV2). Its figures are not the "
                     f"lecture's.")


def load_backbone(arch: str) -> Backbone:
    """The pretrained ``arch`` (a key of ``WEIGHTS``), or offline the mirror's MobileNetV2."""
    if arch not in WEIGHTS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {list(WEIGHTS)}")
    enum_name = WEIGHTS[arch]
    resource = f"weights:{enum_name}"
    try:
        fetch(resource)
    except DataError as exc:
        if config.allow_standins():
            return _mirror(arch, enum_name)
        raise DataError(
            resource, exc.file, exc.problem,
            fix=(f"{fix_command(resource)}; offline, where torchvision's weight files cannot "
                 f"be had, set IMGCLS_ALLOW_STANDINS=1 to use the mirror's ImageNet MobileNetV2 "
                 f"({fix_command(MIRROR_RESOURCE)})"),
        ) from None
    return _real(arch, enum_name)


def with_head(backbone: Backbone, new_head: nn.Linear) -> nn.Module:
    """A copy of the network whose final layer is a copy of ``new_head``."""
    if new_head.in_features != backbone.feature_dim:
        raise ValueError(f"the head reads {new_head.in_features} features, the network gives "
                         f"{backbone.feature_dim}")
    model = copy.deepcopy(backbone.model)
    parent, name = _head_slot(model)
    setattr(parent, name, copy.deepcopy(new_head))
    return model


def with_new_head(backbone: Backbone, num_classes: int) -> nn.Module:
    """A copy of the network whose final layer is a fresh ``Linear(feature_dim, num_classes)``."""
    return with_head(backbone, nn.Linear(backbone.feature_dim, num_classes))


def feature_extractor(backbone: Backbone) -> nn.Module:
    """A copy of the network that maps a batch to its penultimate features (N x feature_dim).

    Chapter 10 builds this on its page (the classifier replaced by ``nn.Identity``); later
    chapters use this function for the same thing.
    """
    model = copy.deepcopy(backbone.model)
    parent, name = _head_slot(model)
    setattr(parent, name, nn.Identity())
    return model.eval()


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
    """Features (N x feature_dim) and labels of a dataset whose transform prepares the images
    (the loop chapter 10 writes on its page)."""
    extractor.eval()
    features, labels = [], []
    for x, y in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        features.append(extractor(x))
        labels.append(y)
    return torch.cat(features).numpy(), torch.cat(labels).numpy()
