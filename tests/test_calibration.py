"""The reliability table and expected calibration error on cases with known answers."""

import matplotlib.pyplot as plt
import pytest
import torch

from imgcls import calibration


def test_table_on_a_hand_made_case():
    probs = torch.tensor([[0.95, 0.05], [0.92, 0.08], [0.35, 0.65], [0.45, 0.55]])
    labels = torch.tensor([0, 1, 1, 0])
    table = calibration.reliability_table(probs, labels, n_bins=10)
    assert table["count"].tolist() == [0, 0, 0, 0, 0, 1, 1, 0, 0, 2]
    assert table.loc[9, "accuracy"] == 0.5
    assert table.loc[9, "confidence"] == pytest.approx(0.935)
    assert table.loc[6, "accuracy"] == 1.0 and table.loc[5, "accuracy"] == 0.0
    expect = (2 * abs(0.5 - 0.935) + abs(1 - 0.65) + abs(0 - 0.55)) / 4
    assert calibration.ece_from_table(table) == pytest.approx(expect)


def test_a_bins_right_edge_belongs_to_it():
    probs = torch.tensor([[0.5, 0.5], [0.7, 0.3]], dtype=torch.float64)
    table = calibration.reliability_table(probs, torch.tensor([0, 0]), n_bins=10)
    assert table["count"].tolist()[4] == 1 and table["count"].tolist()[6] == 1


def test_calibrated_predictions_have_a_small_error():
    gen = torch.Generator().manual_seed(0)
    conf = 0.5 + 0.5 * torch.rand(20000, generator=gen)
    right = torch.rand(20000, generator=gen) < conf
    probs = torch.stack([conf, 1 - conf], 1)
    labels = torch.where(right, 0, 1)
    ece = calibration.ece_from_table(calibration.reliability_table(probs, labels, 10))
    assert ece < 0.02


def test_plot_has_one_panel_per_model():
    probs = torch.softmax(torch.randn(50, 3, generator=torch.Generator().manual_seed(0)), 1)
    labels = torch.randint(0, 3, (50,), generator=torch.Generator().manual_seed(1))
    fig = calibration.plot_reliability({"a": (probs, labels), "b": (probs, labels)})
    assert len(fig.axes) == 2 and "ECE" in fig.axes[0].get_title()
    plt.close(fig)
