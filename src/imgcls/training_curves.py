"""Plots for chapter 9 (what makes training work): the training and validation curves of several
runs on one set of axes, and a learning-rate range test's loss against the rate.

The chapter writes the runs, the range test and its smoothing on the page; these helpers only
draw what it measured, so that each comparison reads the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from imgcls.train import History


def accuracy_gap(history: History, last: int = 3) -> float:
    """Training minus validation accuracy, averaged over the ``last`` epochs (fewer if the run
    is shorter): how far a run overfits, steadier than one epoch's noisy difference."""
    if not history.train_acc or not history.val_acc:
        raise ValueError("the history holds no epoch")
    train, val = history.train_acc[-last:], history.val_acc[-last:]
    return sum(t - v for t, v in zip(train, val, strict=True)) / len(train)


def plot_runs(runs: Mapping[str, History], *, title: str = "") -> plt.Figure:
    """Loss (left) and accuracy (right) per epoch for every run: one colour per run, training
    dashed, validation solid, so that each run's gap between the two is the space between
    its two lines."""
    if not runs:
        raise ValueError("no run to plot")
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, history) in enumerate(runs.items()):
        colour = colours[i % len(colours)]
        epochs = np.arange(1, len(history.train_loss) + 1)
        for ax, train, val in ((ax_loss, history.train_loss, history.val_loss),
                               (ax_acc, history.train_acc, history.val_acc)):
            ax.plot(epochs, train, linestyle="--", color=colour, linewidth=1.2)
            ax.plot(epochs, val, linestyle="-", marker="o", markersize=3, color=colour,
                    label=name)
    for ax, name in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    ax_loss.set_title("loss (dashed: training, solid: validation)")
    ax_acc.set_title("accuracy (dashed: training, solid: validation)")
    ax_acc.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_range_test(rates: Sequence[float], losses: Sequence[float],
                    smoothed: Sequence[float] | None = None, *,
                    marks: Mapping[str, float] | None = None) -> plt.Figure:
    """A learning-rate range test: the loss of every batch against the rate it was trained
    with (log scale), the smoothed loss over it, and vertical lines at ``marks`` (name: rate)."""
    rates = np.asarray(rates, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if rates.shape != losses.shape or rates.ndim != 1 or len(rates) == 0:
        raise ValueError(f"rates {rates.shape} and losses {losses.shape} must be two equally "
                         f"long, non-empty sequences")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(rates, losses, color="lightgrey", linewidth=1, label="loss of each batch")
    if smoothed is not None:
        ax.plot(rates, np.asarray(smoothed, dtype=float), color="C0", linewidth=2,
                label="smoothed")
    styles = ("--", ":", "-.")
    for i, (name, rate) in enumerate((marks or {}).items()):
        ax.axvline(rate, color=f"C{i + 1}", linestyle=styles[i % len(styles)], linewidth=1.3,
                   label=f"{name}: {rate:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title("learning-rate range test")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
