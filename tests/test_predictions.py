"""The top-class table and figure of chapter 8, on a tiny network whose answers are known."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from PIL import Image

from imgcls.models.backbones import Backbone
from imgcls.predictions import (
    IMAGENET_GROUPS,
    group_probabilities,
    plot_top,
    side_by_side,
    top_table,
)


class Brightness(torch.nn.Module):
    """Scores 'bright' by how far the mean pixel is above mid-grey, 'dark' by how far below."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.mean(dim=(1, 2, 3)) - 0.5
        return torch.stack([m, -m, torch.zeros_like(m)], dim=1) * 10


def backbone() -> Backbone:
    def to_tensor(image: Image.Image) -> torch.Tensor:
        return torch.from_numpy(np.asarray(image, dtype=np.float32)).permute(2, 0, 1) / 255

    return Backbone(model=Brightness(), arch="toy", weights_name="toy", standin=True,
                    categories=["bright", "dark", "grey"], transforms=to_tensor,
                    mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), input_size=4, feature_dim=3,
                    description="a toy network")


PHOTOS = {"white": Image.new("RGB", (4, 4), (255, 255, 255)),
          "black": Image.new("RGB", (4, 4), (0, 0, 0))}


def test_the_table_lists_each_photos_classes_in_order_of_probability():
    table = top_table(backbone(), PHOTOS, ["white", "black"], k=2)
    assert list(table.columns) == ["top 1", "top 2"]
    assert table.loc["white", "top 1"].startswith("bright (")
    assert table.loc["black", "top 1"].startswith("dark (")
    p = float(table.loc["white", "top 1"].split("(")[1].rstrip(")"))
    assert abs(p - torch.softmax(torch.tensor([5.0, -5.0, 0.0]), 0)[0].item()) < 1e-3


def test_the_figure_has_a_photo_and_a_bar_chart_per_name():
    fig = plot_top(backbone(), PHOTOS, ["white", "black", "white"], k=3, ncols=2)
    axes = fig.axes
    assert len(axes) == 8  # two rows of photos, two rows of bars, two columns
    titles = [ax.get_title() for ax in axes if ax.get_title()]
    assert titles == ["white", "black", "white"]
    bars = [ax for ax in axes if ax.patches]
    assert len(bars) == 3 and all(len(ax.patches) == 3 for ax in bars)


def test_group_probabilities_add_up_the_classes_of_each_group():
    groups = {"light": [0], "not light": [1, 2]}
    got = group_probabilities(backbone(), PHOTOS["white"], groups)
    p = torch.softmax(torch.tensor([5.0, -5.0, 0.0]), 0)
    assert got["light"] == pytest.approx(float(p[0]), abs=1e-6)
    assert got["light"] + got["not light"] == pytest.approx(1.0, abs=1e-6)


def test_the_imagenet_groups_are_the_domestic_cats_and_the_dog_breeds():
    cats, dogs = IMAGENET_GROUPS["domestic cat"], IMAGENET_GROUPS["dog"]
    assert (len(cats), len(dogs)) == (5, 118)
    assert (cats[0], cats[-1], dogs[0], dogs[-1]) == (281, 285, 151, 268)


def test_side_by_side_keeps_both_photos_in_a_square():
    left = Image.new("RGB", (30, 20), (255, 0, 0))
    right = Image.new("RGB", (10, 40), (0, 0, 255))
    both = np.asarray(side_by_side(left, right, size=40))
    assert both.shape == (40, 40, 3)
    assert both[20, 5].tolist() == [255, 0, 0] and both[20, 35].tolist() == [0, 0, 255]
    assert both[2, 20].tolist() == [128, 128, 128]  # the grey band above the photos


def test_campus_subjects_name_imagenet_classes() -> None:
    import torchvision

    from imgcls.predictions import CAMPUS_SUBJECTS

    categories = torchvision.models.get_weight("DenseNet121_Weights.IMAGENET1K_V1").meta[
        "categories"]
    for photo, classes in CAMPUS_SUBJECTS.items():
        assert set(classes) <= set(categories), (photo, classes)
    assert "apples" in CAMPUS_SUBJECTS and len(CAMPUS_SUBJECTS) == 8
