"""Grad-CAM by hooks against Captum's LayerGradCam and a hand computation; occlusion against a
plain loop."""

import pytest
import torch
import torchvision
from torch import nn

from imgcls import saliency


def _tiny_cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4, 6, 3, padding=1, stride=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5))


def _batch(n=3, size=16, seed=1):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_grad_cam_matches_the_definition_by_autograd():
    model, x = _tiny_cnn(), _batch()
    target = torch.tensor([0, 3, 4])
    cam = saliency.grad_cam(model, model[3], x, target)
    act = model[:4](x)
    scores = model[4:](act)
    grad, = torch.autograd.grad(scores.gather(1, target[:, None]).sum(), act)
    expect = (grad.mean((2, 3), keepdim=True) * act).sum(1).relu()
    assert cam.shape == (3, 8, 8)
    torch.testing.assert_close(cam, expect.detach())
    assert not model[3]._forward_hooks and not model[3]._backward_hooks


def test_grad_cam_matches_captum_on_a_torchvision_network():
    attr = pytest.importorskip("captum.attr", reason="Captum is not installed (the dev extra)")
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None, num_classes=7).eval()
    layer = saliency.target_layer(model)
    assert layer is model.features[-1]
    x, target = _batch(2, 64), torch.tensor([1, 6])
    ours = saliency.grad_cam(model, layer, x, target)
    theirs = attr.LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)
    assert ours.shape == (2, 2, 2)
    torch.testing.assert_close(ours, theirs[:, 0].detach(), rtol=1e-4, atol=1e-6)


def test_target_layer_of_the_books_networks():
    resnet = torchvision.models.resnet18(weights=None)
    assert saliency.target_layer(resnet) is resnet.layer4
    with pytest.raises(TypeError, match="no known"):
        saliency.target_layer(nn.Linear(2, 2))


def test_occlusion_matches_a_loop():
    model, x = _tiny_cnn().eval(), _batch(2, 12)
    maps = saliency.occlusion(model, x, torch.tensor([2, 0]), patch=4, stride=4, batch_size=5)
    assert maps.shape == (2, 3, 3)
    with torch.no_grad():
        for i, t in enumerate([2, 0]):
            base = model(x[i:i + 1]).softmax(1)[0, t]
            for r in range(3):
                for c in range(3):
                    y = x[i:i + 1].clone()
                    y[..., 4 * r:4 * r + 4, 4 * c:4 * c + 4] = 0.0
                    drop = base - model(y).softmax(1)[0, t]
                    torch.testing.assert_close(maps[i, r, c], drop, rtol=1e-5, atol=1e-6)


def test_occlusion_with_captum_agrees():
    attr = pytest.importorskip("captum.attr", reason="Captum is not installed (the dev extra)")
    model, x = _tiny_cnn().eval(), _batch(1, 12)

    def prob(inputs):
        return model(inputs).softmax(1)

    theirs = attr.Occlusion(prob).attribute(x, sliding_window_shapes=(3, 4, 4),
                                             strides=(3, 4, 4), target=2, baselines=0.0)
    ours = saliency.occlusion(model, x, 2, patch=4, stride=4)
    # Captum spreads each window's drop over the window's pixels (one window per pixel here)
    torch.testing.assert_close(theirs[0, 0, ::4, ::4], ours[0], rtol=1e-5, atol=1e-6)


def test_upsample_scales_each_map_to_one():
    maps = torch.tensor([[[0.0, 2.0], [1.0, 0.0]], [[-1.0, -1.0], [-1.0, -1.0]]])
    big = saliency.upsample(maps, 8)
    assert big.shape == (2, 8, 8)
    assert big[0].max() == pytest.approx(1.0) and big[0].min() >= 0
    assert big[1].abs().max() == 0


def test_show_maps_draws_one_row_per_map():
    images = torch.randint(0, 256, (3, 3, 16, 16), dtype=torch.uint8)
    maps = {"a": torch.rand(3, 2, 2), "b": torch.rand(3, 4, 4)}
    fig = saliency.show_maps(images, maps, ["x", "y", "z"])
    assert len(fig.axes) == 9
    assert fig.axes[3].get_ylabel() == "a"
    import matplotlib.pyplot as plt

    plt.close(fig)
