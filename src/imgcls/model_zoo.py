"""torchvision's ImageNet classifiers side by side, from the metadata of their weights enums:
top-1 accuracy, parameters, GFLOPS, file size, input size, licence. Reading it downloads nothing
(the numbers ship with torchvision), so chapter 10 can compare networks it cannot load.

Metadata keys are not part of torchvision's stable API (``_ops`` and ``_file_size`` carry a
leading underscore), so every field is read with ``.get`` and a missing one becomes NaN, which
``missing_fields`` counts for the page to report.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torchvision

COLUMNS = ("model", "weights", "top-1 %", "params (M)", "GFLOPS", "file (MB)", "crop (px)",
           "licence")


def _crop_size(weights) -> float:
    """The side of the square the weights' own preprocessing crops to (NaN if it says none)."""
    try:
        crop = getattr(weights.transforms(), "crop_size", None)
    except Exception:  # a transform that needs arguments, or another version's signature
        return float("nan")
    if crop is None:
        return float("nan")
    return float(crop[0] if isinstance(crop, (list, tuple)) else crop)


def weights_row(model: str, weights) -> dict[str, object]:
    """One weights enum member as a row of ``weights_table``; missing metadata is NaN."""
    meta = weights.meta
    top1 = meta.get("_metrics", {}).get("ImageNet-1K", {}).get("acc@1", np.nan)
    params = meta.get("num_params", np.nan)
    return {
        "model": model,
        "weights": f"{type(weights).__name__}.{weights.name}",
        "top-1 %": float(top1),
        "params (M)": float(params) / 1e6,
        "GFLOPS": float(meta.get("_ops", np.nan)),
        "file (MB)": float(meta.get("_file_size", np.nan)),
        "crop (px)": _crop_size(weights),
        # torchvision's README: weights may carry their own licence; the enum names it if so
        "licence": meta.get("license", ""),
    }


def weights_table(module: ModuleType = torchvision.models) -> pd.DataFrame:
    """Every weights enum member of every classification model ``list_models(module=...)`` names,
    one row each (the columns of ``COLUMNS``), sorted by GFLOPS."""
    rows = [weights_row(model, weights)
            for model in torchvision.models.list_models(module=module)
            for weights in torchvision.models.get_model_weights(model)]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.sort_values(["GFLOPS", "top-1 %"], ignore_index=True)


def missing_fields(table: pd.DataFrame) -> dict[str, int]:
    """How many rows lack each numeric field (this torchvision's metadata did not have it)."""
    numeric = table.select_dtypes("number")
    return {column: int(n) for column, n in numeric.isna().sum().items() if n}


def pareto_front(table: pd.DataFrame, cost: str = "GFLOPS",
                 score: str = "top-1 %") -> pd.DataFrame:
    """The rows no other row beats on both counts: cheaper or as cheap, and more accurate."""
    known = table.dropna(subset=[cost, score]).sort_values([cost, score],
                                                           ascending=[True, False])
    best = known[score].cummax()
    return known[(known[score] == best) & ~best.duplicated()]


def plot_weights(table: pd.DataFrame, marked: Mapping[str, str], cost: str = "GFLOPS",
                 score: str = "top-1 %", ax: plt.Axes | None = None) -> plt.Axes:
    """Accuracy against cost (log axis) for every row, the Pareto front as a line, and the rows
    whose ``weights`` are values of ``marked`` ringed and labelled with its keys."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    known = table.dropna(subset=[cost, score])
    ax.scatter(known[cost], known[score], s=14, color="0.6", label="torchvision weights")
    front = pareto_front(known, cost, score)
    ax.plot(front[cost], front[score], color="tab:blue", lw=1,
            label="best accuracy for its cost")
    for label, name in marked.items():
        row = known[known["weights"] == name]
        if row.empty:
            continue
        x, y = float(row[cost].iloc[0]), float(row[score].iloc[0])
        ax.scatter([x], [y], s=70, facecolors="none", edgecolors="tab:red", linewidths=1.5)
        ax.annotate(label, (x, y), xytext=(6, -12), textcoords="offset points",
                    color="tab:red", fontsize=9,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    ax.set_xscale("log")
    ax.set_xlabel(f"{cost} per image (log scale)")
    ax.set_ylabel(f"ImageNet-1k {score}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return ax
