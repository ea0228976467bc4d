"""Tests of the chapter-9 pipeline: on-device augmentation, batching, data choice, analysis."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from imgcls import finetune as ft
from imgcls.data.errors import DataError
from imgcls.data.splits import ImageSplits

MEAN, STD = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)


def _images(n=6, size=12, seed=0):
    return torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(seed))


def _identity(n):
    return torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).repeat(n, 1, 1)


def test_identity_augmentation_equals_the_test_transform():
    x = _images()
    for size in (12, 20, 8):
        plain = ft.Preprocess(size, MEAN, STD)(x)
        aug = ft.Augment(size, MEAN, STD, pad=0, degrees=0.0, flip=False)(x)
        assert plain.shape == (6, 3, size, size)
        torch.testing.assert_close(aug, plain, atol=1e-5, rtol=0)


def test_preprocess_matches_resize_and_normalise_by_hand():
    x = _images()
    expect = F.interpolate(x.float() / 255, size=(20, 20), mode="bilinear", align_corners=False)
    expect = (expect - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    torch.testing.assert_close(ft.Preprocess(20, MEAN, STD)(x), expect)


def test_warp_shift_equals_symmetric_pad_and_crop():
    x = _images(2).float() / 255
    pad, w = 3, x.shape[-1]
    padded = torch.from_numpy(np.pad(x.numpy(), ((0, 0), (0, 0), (pad, pad), (pad, pad)),
                                     mode="symmetric"))
    for dx, dy in [(2, -1), (-3, 3), (0, 1)]:
        theta = _identity(2)
        theta[:, 0, 2], theta[:, 1, 2] = dx * 2 / w, dy * 2 / w
        crop = padded[:, :, pad + dy:pad + dy + w, pad + dx:pad + dx + w]
        torch.testing.assert_close(ft.warp(x, theta, w), crop, atol=1e-5, rtol=0)


def test_warp_flip_and_quarter_turn():
    x = _images(2).float() / 255
    flip = _identity(2)
    flip[:, 0, 0] = -1
    torch.testing.assert_close(ft.warp(x, flip, 12), x.flip(-1), atol=1e-5, rtol=0)
    quarter = torch.tensor([[0.0, -1, 0], [1, 0, 0]]).repeat(2, 1, 1)
    torch.testing.assert_close(ft.warp(x, quarter, 12), torch.rot90(x, 1, (2, 3)),
                               atol=1e-5, rtol=0)


def test_random_parameters_stay_in_their_ranges():
    aug = ft.Augment(16, MEAN, STD, pad=4, degrees=10.0)
    theta = aug.theta(4000, 32, torch.Generator().manual_seed(0))
    sign = torch.sign(theta[:, 0, 0])
    angle = torch.atan2(theta[:, 1, 0] * sign, theta[:, 1, 1]).rad2deg()
    assert angle.abs().max() <= 10.0 + 1e-4 and angle.abs().max() > 9.0
    shifts = theta[:, :, 2] * 32 / 2
    torch.testing.assert_close(shifts, shifts.round())
    assert set(shifts.round().unique().tolist()) == set(range(-4, 5))
    assert 0.45 < (sign < 0).float().mean() < 0.55
    again = aug.theta(4000, 32, torch.Generator().manual_seed(0))
    torch.testing.assert_close(theta, again)


def test_device_batches_cover_every_image_once_per_pass():
    x, y = _images(10), torch.arange(10)
    batches = ft.DeviceBatches(x, y, 4, ft.Preprocess(12, MEAN, STD), shuffle=True, seed=1,
                               device="cpu", channels_last=True)
    assert len(batches) == 3
    passes = [[yb for _, yb in batches] for _ in range(2)]
    for p in passes:
        assert [len(b) for b in p] == [4, 4, 2]
        assert sorted(torch.cat(p).tolist()) == list(range(10))
    assert torch.cat(passes[0]).tolist() != torch.cat(passes[1]).tolist()
    xb, yb = next(iter(batches))
    assert xb.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(xb, ft.Preprocess(12, MEAN, STD)(x[yb]))
    plain = ft.DeviceBatches(x, y, 4, ft.Preprocess(12, MEAN, STD), device="cpu")
    assert torch.cat([yb for _, yb in plain]).tolist() == list(range(10))


def test_pil_pipeline_agrees_with_the_tensor_pipeline_on_test_images():
    x, y = _images(3, size=16), torch.tensor([0, 1, 2])
    transform = ft.pil_transforms(32, MEAN, STD, train=False, image_size=16)
    loader = ft.pil_loader(x, y, transform, 3, shuffle=False, workers=0)
    xb, yb = next(iter(loader))
    assert yb.tolist() == [0, 1, 2]
    fast = ft.Preprocess(32, MEAN, STD)(x)
    assert xb.shape == fast.shape
    assert (xb - fast).abs().mul(torch.tensor(STD).view(1, 3, 1, 1)).mean() < 0.02
    train = ft.pil_transforms(32, MEAN, STD, train=True, image_size=16, pad=2)
    assert train(Image.fromarray(x[0].permute(1, 2, 0).numpy())).shape == (3, 32, 32)


def test_load_data_falls_back_to_cifar_only_with_standins(monkeypatch):
    import imgcls.data.cifar10 as cifar
    import imgcls.data.stl10 as stl

    def missing(*args, **kwargs):
        raise DataError("stl10", "stl10_binary.tar.gz", "missing")

    monkeypatch.setattr(stl, "load_stl10", missing)
    fake = ImageSplits(_images(4, 32), torch.arange(4), _images(2, 32), torch.arange(2),
                           cifar.CLASSES, "cifar10 (jpeg): lossy", False)
    monkeypatch.setattr(cifar, "load_cifar10", lambda *a, **k: fake)
    monkeypatch.delenv("IMGCLS_ALLOW_STANDINS", raising=False)
    with pytest.raises(DataError, match="stl10"):
        ft.load_data(10, 10)
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    data = ft.load_data(10, 10)
    assert data.standin and data.name.startswith("CIFAR-10")
    assert "stand" in data.description and data.x_train.shape == (4, 3, 32, 32)


def test_frozen_features_are_the_eval_mode_outputs_in_order():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                              torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    net.train()
    x = _images(5, 8)
    batches = ft.DeviceBatches(x, torch.arange(5), 2, ft.Preprocess(8, MEAN, STD),
                               device="cpu")
    z, y = ft.frozen_features(net, batches)
    assert not net.training and y.tolist() == [0, 1, 2, 3, 4]
    with torch.no_grad():
        torch.testing.assert_close(z, net(ft.Preprocess(8, MEAN, STD)(x)))


@pytest.mark.filterwarnings("ignore:CUDA is not available")
@pytest.mark.parametrize(("native_bf16", "expect"), [(True, torch.bfloat16),
                                                      (False, torch.float16)])
def test_features_autocast_in_float16_where_bfloat16_is_only_emulated(monkeypatch, native_bf16,
                                                                      expect):
    asked = []

    def bf16_supported(including_emulation=True):
        asked.append(including_emulation)
        return native_bf16 or including_emulation

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", bf16_supported)
    context = ft.feature_autocast(torch.device("cuda"), amp=True)
    assert isinstance(context, torch.autocast) and context.fast_dtype == expect
    assert asked == [False]  # emulated bfloat16 (a T4's) does not count
    assert not isinstance(ft.feature_autocast(torch.device("cuda"), amp=False), torch.autocast)
    assert not isinstance(ft.feature_autocast(torch.device("cpu"), amp=True), torch.autocast)


def test_frozen_features_use_the_autocast_choice(monkeypatch):
    chosen = []
    real = ft.feature_autocast
    monkeypatch.setattr(ft, "feature_autocast",
                        lambda device, amp: chosen.append((device.type, amp)) or real(device, amp))
    batches = ft.DeviceBatches(_images(3, 8), torch.arange(3), 2, ft.Preprocess(8, MEAN, STD),
                               device="cpu")
    ft.frozen_features(torch.nn.Flatten(), batches, amp=True)
    assert chosen == [("cpu", True), ("cpu", True)]


def test_the_recipe_follows_the_batch_norms():
    with_norms = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    assert ft.fine_tuning_recipe(with_norms) == ("SGD", 1e-3)
    assert ft.fine_tuning_recipe(torch.nn.Conv2d(3, 4, 3)) == ("Adam", 3e-5)
    sgd = ft.make_optimizer(with_norms.parameters(), "SGD", 1e-3)
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0.9
    adam = ft.make_optimizer(with_norms.parameters(), "Adam", 3e-5)
    assert isinstance(adam, torch.optim.Adam) and adam.defaults["lr"] == 3e-5
    with pytest.raises(ValueError, match="unknown optimizer 'RMSprop'"):
        ft.make_optimizer(with_norms.parameters(), "RMSprop", 1e-3)


def _probs():
    # 3 classes; rows: true 0, 0, 0, 1, 1, 2
    p = torch.tensor([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.1, 0.3, 0.6],
                      [0.05, 0.15, 0.8], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    return p, torch.tensor([0, 0, 0, 1, 1, 2])


def test_per_class_errors_and_confusions_agree_with_sklearn():
    from sklearn.metrics import confusion_matrix

    probs, labels = _probs()
    table = ft.per_class_errors(probs, labels, ["a", "b", "c"])
    cm = confusion_matrix(labels, probs.argmax(1))
    assert table["errors"].tolist() == (cm.sum(1) - np.diag(cm)).tolist() == [2, 1, 0]
    assert table["images"].tolist() == [3, 2, 1]
    assert table.loc["b", "most often taken for"] == "c (1)"
    top = ft.top_confusions(torch.from_numpy(cm), ["a", "b", "c"], k=1)
    assert top.iloc[0].tolist()[2] == 1


def test_confidently_wrong_picks_the_most_confident_error_per_class():
    probs, labels = _probs()
    wrong = ft.confidently_wrong(probs, labels, per_class=1)
    assert wrong["index"].tolist() == [1, 3]
    assert wrong["predicted"].tolist() == [1, 2]
    assert wrong["confidence"].tolist() == pytest.approx([0.7, 0.8])
    assert len(ft.confidently_wrong(probs, labels, per_class=5)) == 3


def test_the_quick_benchmark_reads_the_chapters_own_sizes(tmp_path):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "finetune.py"
    spec = importlib.util.spec_from_file_location("finetune_benchmark", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sizes = bench.quick_sizes()
    assert sizes["arch"] == "mobilenet_v2" and sizes["max_input"] <= 96
    chapter = tmp_path / "chapter.md"
    chapter.write_text('```{code-cell} ipython3\nSIZES = {"quick": {"epochs": 2}}\n```\n')
    assert bench.quick_sizes(chapter) == {"epochs": 2}
    chapter.write_text("```{code-cell} ipython3\nprint(1)\n```\n")
    with pytest.raises(LookupError, match="no code cell assigning SIZES"):
        bench.quick_sizes(chapter)


def test_most_like_ranks_a_class_by_the_probability_of_another():
    probs, labels = _probs()
    assert ft.most_like(probs, labels, true=0, like=1).tolist() == [1, 2, 0]
    assert ft.most_like(probs, labels, true=0, like=0, k=1).tolist() == [0]
    assert ft.most_like(probs, labels, true=2, like=1, k=4).tolist() == [5]


def test_show_most_like_draws_one_titled_row_per_class():
    import matplotlib

    matplotlib.use("Agg")
    probs, labels = _probs()
    fig = ft.show_most_like(_images(6, 8), probs, labels, ["a", "b", "c"], like=1,
                            rows=[0, 1], k=3)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(fig.axes) == 6 and len(titles) == 5  # class b has only two images
    assert titles[0].startswith("p(b) 0.70") and titles[0].endswith("→ b")
    assert [fig.axes[0].get_ylabel(), fig.axes[3].get_ylabel()] == ["a", "b"]


def test_photos_become_the_pipelines_uint8_squares():
    wide = Image.new("RGB", (40, 20), (10, 20, 30))
    wide.paste((200, 0, 0), (0, 0, 6, 20))  # a red strip the centre crop cuts away
    batch = ft.as_uint8_batch([wide, Image.new("L", (9, 9), 255)], side=16)
    assert batch.shape == (2, 3, 16, 16) and batch.dtype == torch.uint8
    assert batch[0, :, 8, 8].tolist() == [10, 20, 30] and int(batch[0, 0].max()) == 10
    assert int(batch[1].min()) == 255
