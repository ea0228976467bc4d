"""The float MobileNetV2 made from the int8 export: folding, dequantizing, agreement with int8."""

from __future__ import annotations

import warnings

import pytest
import torch
import torchvision
from mirror_network import int8_file, photos
from torch import nn

from imgcls.models import dequantized

pytestmark = pytest.mark.usefixtures("one_thread")
PREPROCESS = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.transforms()
CATEGORIES = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]


def _random_batch_norms(model: nn.Module) -> None:
    gen = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)


def test_folding_keeps_the_function_in_both_modes():
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2().eval()
    _random_batch_norms(model)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        before = model(x)
        folded = dequantized.fold_batch_norms(model)
        torch.testing.assert_close(folded(x), before, atol=1e-4, rtol=1e-4)
        features = folded.features(x)
        folded.train()  # no batch statistics left to change the features
        torch.testing.assert_close(folded.features(x), features)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    convs = [m for m in folded.modules() if isinstance(m, nn.Conv2d)]
    assert all(m.bias is not None and m.bias.requires_grad for m in convs)


def test_a_batch_norm_after_no_convolution_is_refused():
    with pytest.raises(ValueError, match="not preceded by a convolution"):
        dequantized.fold_batch_norms(nn.Sequential(nn.ReLU(), nn.BatchNorm2d(3)))


def test_a_file_that_is_not_mobilenet_v2_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    with warnings.catch_warnings():  # torch.jit warns that it is deprecated
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.script(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())).save(str(path))
    with pytest.raises(ValueError, match="does not hold torchvision's MobileNetV2"):
        dequantized.dequantized_mobilenet_v2(path)


def test_the_float_network_agrees_with_the_int8_model_on_real_photos(monkeypatch):
    # the export holds QNNPACK weights (IMAGENET1K_QNNPACK_V1): load and run the int8 model on
    # that engine, whatever this machine's default (x86/fbgemm, which rounds differently)
    monkeypatch.setattr(torch.backends.quantized, "engine", "qnnpack")
    scripted = dequantized.load_int8_export(int8_file())
    model = dequantized.dequantized_mobilenet_v2(int8_file())
    names = sorted(photos())
    x = torch.stack([PREPROCESS(photos()[name]) for name in names])
    with torch.no_grad():  # the export was traced on one image: it takes batches of one
        p_int8 = torch.cat([scripted(x[i:i + 1]) for i in range(len(x))]).softmax(1)
        p_float = model(x).softmax(1)
    # quantization error: measured at most 0.11 apart, the int8 answer always in the top 3
    assert (p_float - p_int8).abs().max() < 0.15
    for i, name in enumerate(names):
        assert p_int8[i].argmax() in p_float[i].topk(3).indices, name
    for name in ("cat", "cheetah", "dog"):
        i = names.index(name)
        assert p_float[i].argmax() == p_int8[i].argmax(), name
    cheetah = p_float[names.index("cheetah")]
    assert CATEGORIES[int(cheetah.argmax())] == "cheetah" and cheetah.max() > 0.98
