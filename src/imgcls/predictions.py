"""What a pretrained classifier says about single photos: its top classes, table and figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from PIL import Image

from imgcls.models.backbones import Backbone, top_classes


def top_table(backbone: Backbone, photos: Mapping[str, Image.Image], names: Sequence[str],
              k: int = 4) -> pd.DataFrame:
    """One row per photo: its ``k`` most probable classes as 'class (probability)'."""
    rows = {name: [f"{c} ({p:.3f})" for c, p in top_classes(backbone, photos[name], k)]
            for name in names}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=[f"top {i + 1}" for i in range(k)])


def plot_top(backbone: Backbone, photos: Mapping[str, Image.Image], names: Sequence[str],
             k: int = 4, ncols: int = 4) -> plt.Figure:
    """Each photo above a bar chart of its ``k`` most probable classes (probabilities 0 to 1)."""
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(2 * nrows, ncols, figsize=(3.2 * ncols, 5.2 * nrows),
                             gridspec_kw={"height_ratios": [3, 2] * nrows}, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, name in enumerate(names):
        row, col = 2 * (i // ncols), i % ncols
        top = top_classes(backbone, photos[name], k)
        axes[row, col].imshow(photos[name])
        axes[row, col].set_title(name, fontsize=9)
        bars = axes[row + 1, col]
        bars.axis("on")
        bars.barh([c[:22] for c, _ in top][::-1], [p for _, p in top][::-1], color="tab:blue")
        bars.set_xlim(0, 1)
        bars.tick_params(labelsize=8)
    fig.tight_layout()
    return fig
