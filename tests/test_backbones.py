"""Pretrained backbones: real weights from a file in the hub cache, the stand-in, the error."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib

import pytest
import torch
import torchvision
from conftest import no_connection
from PIL import Image
from test_standin import TINY, tiny_cifar

from imgcls.data import DataError, download
from imgcls.data import registry as reg
from imgcls.models import backbones, standin

fetch_mod = importlib.import_module("imgcls.data.fetch")
RESNET18 = "weights:ResNet18_Weights.IMAGENET1K_V1"


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Empty data folder and torch hub folder, no mirror, no stand-in switch, no network."""
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("IMGCLS_MIRROR", raising=False)
    monkeypatch.delenv("IMGCLS_ALLOW_STANDINS", raising=False)
    monkeypatch.setattr(download, "_open", no_connection)
    monkeypatch.setattr(download, "_unreachable", set())
    return tmp_path


def place_in_hub(state: dict, monkeypatch) -> None:
    """Save ``state`` under torchvision's file name for ResNet-18 and register its real sha256.

    torchvision names its files ``<arch>-<first 8 hex of sha256>.pth``; a state dict made here
    has another hash, so the registry entry is swapped for one expecting this file's hash.
    The whole check then runs for real: ``fetch`` verifies the file, torchvision loads it.
    """
    resource = reg.get(RESNET18)
    spec = resource.variants[0].files[0]
    path = fetch_mod.hub_dir() / spec.path
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    variant = dataclasses.replace(resource.variants[0],
                                  files=(dataclasses.replace(spec, sha256=digest[:8]),))
    monkeypatch.setitem(reg.registry(), RESNET18,
                        dataclasses.replace(resource, variants=(variant,)))


def test_real_weights_from_the_hub_cache(offline, monkeypatch):
    torch.manual_seed(1)
    state = torchvision.models.resnet18().state_dict()
    place_in_hub(state, monkeypatch)
    bb = backbones.load_backbone("resnet18")
    assert not bb.standin and bb.arch == "resnet18"
    assert bb.weights_name == "ResNet18_Weights.IMAGENET1K_V1"
    assert len(bb.categories) == 1000 and bb.categories[0] == "tench"
    assert bb.feature_dim == 512 and bb.input_size == 224
    assert bb.mean == (0.485, 0.456, 0.406) and "ImageNet" in bb.description
    assert not bb.model.training
    loaded = bb.model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())

    x = bb.transforms(Image.new("RGB", (300, 260), (120, 80, 40))).unsqueeze(0)
    assert x.shape == (1, 3, 224, 224)
    features = backbones.feature_extractor(bb)(x)
    assert features.shape == (1, 512)
    with torch.no_grad():  # the features are exactly what the original last layer reads
        torch.testing.assert_close(bb.model.fc(features), bb.model(x))

    head = backbones.with_new_head(bb, 3)
    assert head.fc.out_features == 3 and bb.model.fc.out_features == 1000
    assert torch.equal(head.conv1.weight, bb.model.conv1.weight)
    assert head.conv1.weight.data_ptr() != bb.model.conv1.weight.data_ptr()


def test_a_file_with_the_wrong_hash_is_refused(offline):
    path = fetch_mod.hub_dir() / reg.get(RESNET18).variants[0].files[0].path
    path.parent.mkdir(parents=True)
    torch.save(torchvision.models.resnet18().state_dict(), path)
    with pytest.raises(DataError, match="checksum mismatch"):
        backbones.load_backbone("resnet18")


def test_clear_error_without_weights_or_switch(offline):
    with pytest.raises(DataError) as info:
        backbones.load_backbone("densenet121")
    message = str(info.value)
    assert "weights:DenseNet121_Weights.IMAGENET1K_V1" in message
    assert "python data_scripts/fetch.py weights:DenseNet121_Weights.IMAGENET1K_V1" in message
    assert "IMGCLS_ALLOW_STANDINS=1" in message and "train_standin.py" in message
    assert not standin.paths()[0].exists()  # nothing was trained behind the reader's back


def test_unknown_architecture():
    with pytest.raises(ValueError, match="densenet121"):
        backbones.load_backbone("vgg16")


def test_standin_when_allowed(offline, monkeypatch):
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    monkeypatch.setattr(standin, "DEFAULT", TINY)
    monkeypatch.setattr(standin, "load_cifar10", lambda **kwargs: tiny_cifar())
    bb = backbones.load_backbone("densenet121")
    assert bb.standin and bb.arch == "densenet121" and bb.weights_name == standin.NAME
    assert len(bb.categories) == 10 and bb.feature_dim == sum(TINY.widths[1:])
    assert bb.input_size == 32 and "stand-in" in bb.description
    assert "DenseNet121_Weights.IMAGENET1K_V1" in bb.description

    x = bb.transforms(Image.new("RGB", (64, 48), (200, 10, 10)))
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    expected = (200 / 255 - bb.mean[0]) / bb.std[0]
    assert x[0].mean().item() == pytest.approx(expected, abs=1e-4)
    batch = x.unsqueeze(0).repeat(2, 1, 1, 1)
    features = backbones.feature_extractor(bb)(batch)
    assert features.shape == (2, bb.feature_dim)
    with torch.no_grad():
        torch.testing.assert_close(bb.model.fc(features), bb.model(batch))
    assert backbones.with_new_head(bb, 3)(batch).shape == (2, 3)
    top = backbones.top_classes(bb, Image.new("RGB", (40, 40)), k=4)
    assert len(top) == 4 and all(name in bb.categories for name, _ in top)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
