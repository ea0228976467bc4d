"""The stand-in backbone's training script on a tiny budget: files, record, checksum, caching."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from imgcls.data.cifar10 import CLASSES
from imgcls.data.splits import ImageSplits
from imgcls.models import standin

SCRIPT = Path(__file__).resolve().parents[1] / "data_scripts" / "train_standin.py"
TINY = dataclasses.replace(standin.DEFAULT, widths=(8, 16, 32), train_per_class=6,
                           holdout_per_class=2, epochs=1, batch_size=16)


pytestmark = pytest.mark.usefixtures("one_thread")


def tiny_cifar(per_class: int = 10) -> ImageSplits:
    """Ten classes of 32x32 images the test makes: class c has a brighter channel c % 3."""
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(10).repeat_interleave(per_class)
    x = torch.randint(0, 120, (len(y), 3, 32, 32), generator=gen, dtype=torch.uint8)
    x[torch.arange(len(y)), y % 3] += 100
    return ImageSplits(x, y, x[:0], y[:0], CLASSES, "tiny test images", exact=False)


@pytest.fixture
def fake_cifar(monkeypatch):
    """The stand-in trains on tiny test images; it must never ask for the test split."""
    calls = []

    def load(train_per_class=None, test_per_class=None, seed=0):
        calls.append((train_per_class, test_per_class))
        return tiny_cifar()

    monkeypatch.setattr(standin, "load_cifar10", load)
    return calls


def run_script(argv: list[str]) -> int:
    spec = importlib.util.spec_from_file_location("train_standin", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def test_script_on_a_tiny_budget(tmp_path, fake_cifar, capsys):
    status = run_script(["--train-per-class", "6", "--holdout-per-class", "2", "--epochs", "1",
                         "--data-dir", str(tmp_path)])
    assert status == 0
    weights, meta = standin.paths(tmp_path)
    record = json.loads(meta.read_text())
    printed = capsys.readouterr().out
    assert "training it on CIFAR-10's train split" in printed
    assert json.loads(printed[printed.index("{"):]) == record
    assert record["sha256"] == standin._sha256(weights)
    assert record["recipe"]["train_per_class"] == 6 and record["epochs"] == 1
    assert record["feature_dim"] == sum(standin.DEFAULT.widths[1:]) and record["threads"] == 1
    assert record["classes"] == list(CLASSES)
    assert 0.0 <= record["holdout_accuracy"] <= 1.0 and record["train_seconds"] > 0
    assert "SmallResNet" in record["architecture"] and "train split" in record["data"]
    assert len(record["mean"]) == len(record["std"]) == 3
    assert all(test is None for _, test in fake_cifar)  # only the train split is used
    model, loaded = standin.load_standin(dataclasses.replace(
        standin.DEFAULT, train_per_class=6, holdout_per_class=2, epochs=1), tmp_path)
    assert loaded == record and not model.training
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_training_is_deterministic(tmp_path, fake_cifar):
    torch.set_num_threads(2)  # training picks one thread whatever the caller uses
    standin.train(TINY, tmp_path / "a", progress=False)
    assert torch.get_num_threads() == 2
    torch.set_num_threads(1)
    standin.train(TINY, tmp_path / "b", progress=False)
    a = torch.load(standin.paths(tmp_path / "a")[0], weights_only=True)
    b = torch.load(standin.paths(tmp_path / "b")[0], weights_only=True)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_training_changes_the_weights(tmp_path, fake_cifar):
    torch.manual_seed(TINY.seed)
    initial = standin.SmallResNet(TINY.widths).state_dict()
    standin.train(TINY, tmp_path, progress=False)
    trained = torch.load(standin.paths(tmp_path)[0], weights_only=True)
    assert not torch.equal(initial["fc.weight"], trained["fc.weight"])


def test_cached_copy_is_reused(tmp_path, fake_cifar, monkeypatch, capsys):
    first = standin.ensure_standin(TINY, tmp_path, progress=False)
    monkeypatch.setattr(standin, "train", lambda *a, **k: pytest.fail("trained again"))
    capsys.readouterr()
    assert standin.ensure_standin(TINY, tmp_path, progress=False) == first
    assert capsys.readouterr().out == ""


def test_corrupt_copy_is_detected_and_retrained(tmp_path, fake_cifar, capsys):
    standin.ensure_standin(TINY, tmp_path, progress=False)
    weights, _ = standin.paths(tmp_path)
    good = weights.read_bytes()
    weights.write_bytes(good[:-100] + bytes(100))
    assert "fails its sha256 checksum" in standin.problem(TINY, tmp_path)
    capsys.readouterr()
    record = standin.ensure_standin(TINY, tmp_path, progress=False)
    out = capsys.readouterr().out
    assert "fails its sha256 checksum" in out and "training it" in out
    assert standin.problem(TINY, tmp_path) is None
    assert weights.read_bytes() == good and record["sha256"] == standin._sha256(weights)


def test_other_recipe_is_retrained(tmp_path, fake_cifar, capsys):
    standin.ensure_standin(TINY, tmp_path, progress=False)
    other = dataclasses.replace(TINY, epochs=2)
    assert "another recipe" in standin.problem(other, tmp_path)
    assert standin.ensure_standin(other, tmp_path, progress=False)["epochs"] == 2


def test_small_resnet_shapes():
    model = standin.SmallResNet((8, 16, 32)).eval()
    x = torch.randn(3, 3, 32, 32)
    assert model(x).shape == (3, 10)
    assert model.fc.in_features == 16 + 32  # pooled outputs of the last two blocks
