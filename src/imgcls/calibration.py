"""Calibration of predicted probabilities: the per-bin table behind a reliability diagram (written
as a plain loop, the reference the chapter's vectorised expected calibration error is checked
against) and the diagram itself.

Chapter 11 writes the expected calibration error and temperature scaling on its page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch


def reliability_table(probs: torch.Tensor, labels: torch.Tensor, n_bins: int = 10) -> pd.DataFrame:
    """Per confidence bin (equal widths over [0, 1], right edges included): the number of
    predictions, their mean confidence and their accuracy (NaN for an empty bin).

    The confidence of a prediction is its largest probability; a bin's gap between accuracy and
    mean confidence, weighted by its share of the predictions, sums to the expected calibration
    error.
    """
    top, pred = probs.max(1)
    conf, right = top.tolist(), (pred == labels).tolist()
    rows = []
    for b in range(n_bins):
        low, high = b / n_bins, (b + 1) / n_bins
        inside = [i for i, c in enumerate(conf) if low < c <= high or (b == 0 and c == 0)]
        count = len(inside)
        rows.append({"low": low, "high": high, "count": count,
                     "confidence": sum(conf[i] for i in inside) / count if count else math.nan,
                     "accuracy": sum(right[i] for i in inside) / count if count else math.nan})
    return pd.DataFrame(rows)


def ece_from_table(table: pd.DataFrame) -> float:
    """The expected calibration error of a ``reliability_table``: sum of |accuracy - confidence|
    over the bins, each weighted by its share of the predictions."""
    used = table[table["count"] > 0]
    share = used["count"] / used["count"].sum()
    return float((share * (used["accuracy"] - used["confidence"]).abs()).sum())


def plot_reliability(panels: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
                     n_bins: int = 10) -> plt.Figure:
    """Reliability diagrams side by side, one per ``name: (probs, labels)``: the accuracy of each
    confidence bin as a bar, the diagonal of perfect calibration, the gap to it hatched, the
    share of predictions per bin as a line, and the expected calibration error in the title."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4), squeeze=False)
    for ax, (name, (probs, labels)) in zip(axes[0], panels.items(), strict=True):
        table = reliability_table(probs, labels, n_bins)
        centres = (table["low"] + table["high"]) / 2
        width = 1 / n_bins
        acc = table["accuracy"].fillna(0).to_numpy()
        conf = table["confidence"].fillna(0).to_numpy()
        ax.bar(centres, acc, width=width, edgecolor="black", color="C0", alpha=0.8,
               label="accuracy in the bin")
        ax.bar(centres, conf - acc, bottom=acc, width=width, edgecolor="C3", color="none",
               hatch="//", label="gap to the mean confidence")
        ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
        share = table["count"].to_numpy() / max(int(table["count"].sum()), 1)
        ax.plot(centres, share, "o-", color="C2", ms=3, label="share of predictions")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence (largest probability)")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{name}\nECE {ece_from_table(table):.3f}", fontsize=10)
        ax.set_xticks(np.linspace(0, 1, 6))
    axes[0, 0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return fig
