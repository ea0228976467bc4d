"""torchvision's weights metadata as a table: the fields it reads, what it does when one is
missing, and the Pareto front the plot draws."""

from __future__ import annotations

import itertools
from enum import Enum

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import torchvision

from imgcls import model_zoo


def test_the_table_reads_each_weights_own_metadata() -> None:
    table = model_zoo.weights_table()
    assert list(table.columns) == list(model_zoo.COLUMNS)
    n = sum(len(torchvision.models.get_model_weights(m))
            for m in torchvision.models.list_models(module=torchvision.models))
    assert len(table) == n
    row = table.set_index("weights").loc["DenseNet121_Weights.IMAGENET1K_V1"]
    meta = torchvision.models.get_weight("DenseNet121_Weights.IMAGENET1K_V1").meta
    assert row["top-1 %"] == meta["_metrics"]["ImageNet-1K"]["acc@1"]
    assert row["params (M)"] * 1e6 == meta["num_params"]
    assert row["crop (px)"] == 224 and row["licence"] == ""
    assert table["GFLOPS"].is_monotonic_increasing


class Bare(Enum):
    """A weights enum of another torchvision version: no GFLOPS, file size or accuracy."""

    V1 = "v1"

    @property
    def meta(self):
        return {"num_params": 2_000_000}

    def transforms(self):
        raise TypeError("needs arguments")


def test_missing_metadata_becomes_nan_and_is_counted() -> None:
    row = model_zoo.weights_row("bare", Bare.V1)
    assert row["weights"] == "Bare.V1" and row["params (M)"] == 2.0
    assert np.isnan(row["GFLOPS"]) and np.isnan(row["top-1 %"]) and np.isnan(row["crop (px)"])
    table = pd.DataFrame([row, row], columns=list(model_zoo.COLUMNS))
    assert model_zoo.missing_fields(table) == {"top-1 %": 2, "GFLOPS": 2, "file (MB)": 2,
                                               "crop (px)": 2}


def test_pareto_front_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"weights": [f"w{i}" for i in range(40)],
                          "GFLOPS": rng.integers(1, 15, 40).astype(float),
                          "top-1 %": rng.integers(60, 80, 40).astype(float)})
    front = set(model_zoo.pareto_front(table)["weights"])
    rows = list(table.itertuples(index=False, name=None))  # (weights, cost, score)
    beaten = {a[0] for a, b in itertools.product(rows, repeat=2)
              if b[1] <= a[1] and b[2] >= a[2] and (b[1] < a[1] or b[2] > a[2])}
    left = table[~table["weights"].isin(beaten)]
    assert front <= set(left["weights"])
    # exact ties on both counts: the front keeps one of each
    assert len(front) == len(left.drop_duplicates(["GFLOPS", "top-1 %"])) > 2


def test_plot_marks_the_named_weights() -> None:
    table = model_zoo.weights_table()
    ax = model_zoo.plot_weights(table, {"DenseNet-121": "DenseNet121_Weights.IMAGENET1K_V1",
                                        "absent": "NoSuch.V1"})
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.texts] == ["DenseNet-121"]
