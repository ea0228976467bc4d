"""Chapter 9's plots of runs and of a learning-rate range test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from imgcls.train import History  # noqa: E402
from imgcls.training_curves import accuracy_gap, plot_range_test, plot_runs  # noqa: E402


def history(train_acc, val_acc) -> History:
    return History(train_loss=[1.0 - a for a in train_acc], train_acc=list(train_acc),
                   val_loss=[1.2 - a for a in val_acc], val_acc=list(val_acc))


def test_accuracy_gap_averages_the_last_epochs() -> None:
    run = history([0.5, 0.9, 1.0, 1.0], [0.4, 0.6, 0.55, 0.65])
    assert accuracy_gap(run, last=1) == pytest.approx(0.35)
    assert accuracy_gap(run) == pytest.approx((0.3 + 0.45 + 0.35) / 3)
    assert accuracy_gap(history([0.5], [0.4])) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="no epoch"):
        accuracy_gap(History())


def test_plot_runs_draws_training_dashed_and_validation_solid() -> None:
    runs = {"a": history([0.5, 0.9], [0.4, 0.6]), "b": history([0.3, 0.6, 0.8], [0.3, 0.5, 0.6])}
    fig = plot_runs(runs, title="t")
    loss_ax, acc_ax = fig.axes
    for ax in (loss_ax, acc_ax):
        styles = [line.get_linestyle() for line in ax.get_lines()]
        assert styles == ["--", "-", "--", "-"]
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()] == ["a", "b"]
    assert list(acc_ax.get_lines()[3].get_ydata()) == [0.3, 0.5, 0.6]
    plt.close(fig)
    with pytest.raises(ValueError):
        plot_runs({})


def test_plot_range_test_log_axis_and_marks() -> None:
    rates = [1e-4, 1e-3, 1e-2, 1e-1]
    fig = plot_range_test(rates, [3.0, 2.5, 1.0, 4.0], [3.0, 2.8, 2.0, 2.6],
                          marks={"lowest": 1e-2, "suggested": 1e-3})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["loss of each batch", "smoothed", "lowest: 0.01", "suggested: 0.001"]
    plt.close(fig)
    with pytest.raises(ValueError, match="equally"):
        plot_range_test([1e-3, 1e-2], [1.0])
