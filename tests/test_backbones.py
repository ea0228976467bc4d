"""Pretrained backbones: real weights from a file in the hub cache, the mirror's MobileNetV2
in their place offline (only with the switch), and the error without either.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest
import torch
import torchvision
from conftest import fetch_mod, no_connection
from mirror_network import int8_file, photos
from PIL import Image
from torch import nn

from imgcls.data import DataError, download
from imgcls.data import registry as reg
from imgcls.models import backbones

MOBILENET = "weights:MobileNet_V2_Weights.IMAGENET1K_V1"

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Empty data folder and torch hub folder, a mirror holding only the int8 MobileNetV2, no
    stand-in switch, no network.
    """
    source = int8_file()  # fetched from the real sources before they are taken away
    photos()
    mirror = tmp_path / "mirror"
    (mirror / "weights").mkdir(parents=True)
    shutil.copyfile(source, mirror / "weights" / source.name)
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("IMGCLS_MIRROR", str(mirror))
    monkeypatch.delenv("IMGCLS_ALLOW_STANDINS", raising=False)
    monkeypatch.delenv("IMGCLS_URL_REWRITE", raising=False)
    monkeypatch.setattr(download, "_open", no_connection)
    monkeypatch.setattr(download, "_unreachable", set())
    return tmp_path


def place_in_hub(state: dict, monkeypatch) -> None:
    """Save ``state`` under torchvision's file name for MobileNetV2 and register its sha256.

    torchvision names its files ``<arch>-<first 8 hex of sha256>.pth``; a state dict made here
    has another hash, so the registry entry is swapped for one expecting this file's hash.
    The whole check then runs for real: ``fetch`` verifies the file, torchvision loads it.
    """
    resource = reg.get(MOBILENET)
    spec = resource.variants[0].files[0]
    path = fetch_mod.hub_dir() / spec.path
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    variant = dataclasses.replace(resource.variants[0],
                                  files=(dataclasses.replace(spec, sha256=digest[:8]),))
    monkeypatch.setitem(reg.registry(), MOBILENET,
                        dataclasses.replace(resource, variants=(variant,)))


def test_real_weights_from_the_hub_cache_with_batch_norms_folded(offline, monkeypatch):
    torch.manual_seed(1)
    original = torchvision.models.mobilenet_v2().eval()
    with torch.no_grad():  # batch norms that do something, so that folding them is tested
        for m in original.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_var.uniform_(0.5, 2.0)
                m.bias.uniform_(-0.1, 0.1)
    place_in_hub(original.state_dict(), monkeypatch)
    bb = backbones.load_backbone("mobilenet_v2")
    assert not bb.standin and bb.arch == "mobilenet_v2"
    assert bb.weights_name == "MobileNet_V2_Weights.IMAGENET1K_V1"
    assert len(bb.categories) == 1000 and bb.categories[0] == "tench"
    assert bb.feature_dim == 1280 and bb.input_size == 224
    assert bb.mean == (0.485, 0.456, 0.406) and "folded" in bb.description
    assert not bb.model.training
    assert not any(isinstance(m, nn.BatchNorm2d) for m in bb.model.modules())

    x = bb.transforms(Image.new("RGB", (300, 260), (120, 80, 40))).unsqueeze(0)
    assert x.shape == (1, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(bb.model(x), original(x), atol=1e-4, rtol=1e-4)
        features = backbones.feature_extractor(bb)(x)
        assert features.shape == (1, 1280)  # exactly what the original last layer reads
        torch.testing.assert_close(backbones.head(bb.model)(features), bb.model(x))


def test_a_file_with_the_wrong_hash_is_refused(offline):
    path = fetch_mod.hub_dir() / reg.get(MOBILENET).variants[0].files[0].path
    path.parent.mkdir(parents=True)
    torch.save(torchvision.models.mobilenet_v2().state_dict(), path)
    with pytest.raises(DataError, match="checksum mismatch"):
        backbones.load_backbone("mobilenet_v2")


def test_clear_error_without_weights_or_switch(offline):
    with pytest.raises(DataError) as info:
        backbones.load_backbone("densenet121")
    message = str(info.value)
    assert "weights:DenseNet121_Weights.IMAGENET1K_V1" in message
    assert "python -m imgcls.data weights:DenseNet121_Weights.IMAGENET1K_V1" in message
    assert "IMGCLS_ALLOW_STANDINS=1" in message and backbones.MIRROR_RESOURCE in message


def test_unknown_architecture():
    with pytest.raises(ValueError, match="densenet121"):
        backbones.load_backbone("vgg16")


def test_the_mirror_network_in_place_of_densenet_when_allowed(offline, monkeypatch):
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    bb = backbones.load_backbone("densenet121")
    assert bb.standin and bb.arch == "mobilenet_v2"
    assert bb.weights_name == backbones.MIRROR_WEIGHTS
    for words in ("DenseNet121_Weights.IMAGENET1K_V1", "smaller network", "MobileNetV2",
                  "mobilenet_quantized.pt", "dequantized", "1,280 features"):
        assert words in bb.description, words
    assert len(bb.categories) == 1000 and bb.feature_dim == 1280 and bb.input_size == 224
    top1 = {name: backbones.top_classes(bb, photos()[name], k=1)[0]
            for name in ("cat", "cheetah", "dog")}
    assert {name: c for name, (c, _) in top1.items()} == {
        "cat": "tiger cat", "cheetah": "cheetah", "dog": "Walker hound"}
    assert top1["cheetah"][1] > 0.98
    top4 = backbones.top_classes(bb, photos()["cat"], k=4)
    assert [p for _, p in top4] == sorted((p for _, p in top4), reverse=True)


def test_mobilenet_offline_is_its_own_int8_weights(offline, monkeypatch):
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    bb = backbones.load_backbone("mobilenet_v2")
    assert bb.standin and "the same network's int8 weights" in bb.description


def test_a_new_head_and_gradients_that_reach_every_layer(offline, monkeypatch):
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    bb = backbones.load_backbone("resnet50")
    head = nn.Linear(bb.feature_dim, 3)
    model = backbones.with_head(bb, head)
    assert backbones.head(model) is not head and torch.equal(backbones.head(model).weight,
                                                             head.weight)
    assert backbones.head(bb.model).out_features == 1000  # the backbone keeps its own head
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    model.train()
    nn.functional.cross_entropy(model(x), torch.tensor([0, 2])).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert backbones.with_new_head(bb, 5)(x).shape == (2, 5)
    with pytest.raises(ValueError, match="reads 7 features"):
        backbones.with_head(bb, nn.Linear(7, 3))
