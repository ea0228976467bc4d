"""torchvision's float MobileNetV2 with its batch norms folded into the convolutions, holding
either torchvision's float ImageNet weights or the dequantized int8 weights of PyTorch's own
TorchScript export (the offline mirror's ``weights/mobilenet_quantized.pt``).

The int8 export has no batch norms left: each was fused into the convolution before it, whose
bias carries what the batch norm added. Both sources are therefore given the same shape here,
a convolution with a bias and no batch norm after it, so that online and offline runs train the
same network and a training-mode forward pass cannot renormalise the features with batch
statistics (which wrecks the pretrained function on small batches).
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path

import torch
import torchvision
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

# The int8 file holds each convolution's packed parameters as an attribute of the top module
# named after the convolution's path in the network (torch.jit's hoisting pass named them).
_HOISTED = re.compile(r'"_jit_pass_hoist_conv_packed_params\.([\w.]+)\._packed_params\.\d+"')


def fold_batch_norms(model: nn.Module) -> nn.Module:
    """Fold every batch norm that follows a convolution into it (in place; eval-mode maths).

    Each such ``BatchNorm2d`` becomes ``nn.Identity`` and its convolution gains the bias that
    reproduces it, so the network computes the same function in training and evaluation mode.
    """
    for parent in model.modules():
        if not isinstance(parent, nn.Sequential):
            continue
        for (_, conv), (name, norm) in pairwise(list(parent.named_children())):
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                fused = fuse_conv_bn_eval(conv.eval(), norm.eval())
                # fuse_conv_bn_eval makes a bias that needs no gradient where there was none
                conv.weight = nn.Parameter(fused.weight.detach())
                conv.bias = nn.Parameter(fused.bias.detach())
                setattr(parent, name, nn.Identity())
    left = [n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]
    if left:
        raise ValueError(f"batch norms not preceded by a convolution: {left}")
    return model


def float_mobilenet_v2(weights: torchvision.models.MobileNet_V2_Weights) -> nn.Module:
    """torchvision's MobileNetV2 with ``weights`` (fetched by torchvision), batch norms folded."""
    return fold_batch_norms(torchvision.models.mobilenet_v2(weights=weights)).eval()


@contextmanager
def _deprecation_notices_silenced() -> Iterator[None]:
    """Silence torch's notices that TorchScript and quantized tensors are deprecated.

    The quantized one is printed by C++ straight to file descriptor 2, which a notebook shows
    in the reader's cell, so that descriptor points at the null device meanwhile.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null, warnings.catch_warnings():
            os.dup2(null.fileno(), 2)
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load_int8_export(path: Path) -> torch.jit.ScriptModule:
    """The TorchScript int8 MobileNetV2 itself (for comparing the dequantized network with it)."""
    with _deprecation_notices_silenced():
        return torch.jit.load(str(path), map_location="cpu").eval()


def dequantized_mobilenet_v2(path: Path) -> nn.Module:
    """A float MobileNetV2 (batch norms folded) holding the dequantized weights of the int8 file.

    Every convolution and the classifier's linear layer take their int8 weights (dequantized,
    that is integer times scale) and their float biases. The activations are ReLU, not ReLU6,
    as in torchvision's quantizable MobileNetV2 that these weights were quantized in (the
    int8 model clips at its own activation ranges instead). A file whose layers do not match
    torchvision's MobileNetV2 one to one raises ``ValueError``.
    """
    scripted = load_int8_export(path)
    model = fold_batch_norms(torchvision.models.mobilenet_v2(weights=None))
    convs = {name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)}
    attributes = {m.group(1): m.group(0).strip('"') for m in _HOISTED.finditer(scripted.code)}
    if set(attributes) != convs:
        missing, extra = sorted(convs - set(attributes)), sorted(set(attributes) - convs)
        raise ValueError(f"{path} does not hold torchvision's MobileNetV2: convolutions "
                         f"missing {missing[:3]}, unexpected {extra[:3]}")
    with torch.no_grad(), _deprecation_notices_silenced():
        for name, attribute in attributes.items():
            weight, bias = torch.ops.quantized.conv2d_unpack(scripted._c.getattr(attribute))
            _assign(model.get_submodule(name), weight.dequantize(), bias)
        packed = getattr(scripted.classifier, "1")._packed_params._packed_params
        weight, bias = torch.ops.quantized.linear_unpack(packed)
        _assign(model.classifier[1], weight.dequantize(), bias)
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, nn.ReLU6):
                setattr(parent, name, nn.ReLU(inplace=True))
    return model.eval()


def _assign(layer: nn.Module, weight: torch.Tensor, bias: torch.Tensor) -> None:
    if layer.weight.shape != weight.shape:
        raise ValueError(f"weight of shape {tuple(weight.shape)} for a layer of shape "
                         f"{tuple(layer.weight.shape)}")
    layer.weight.copy_(weight)
    layer.bias.copy_(bias)
