"""The book's figure colours: colour-blind-safe class colours, readable text on coloured cells."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from imgcls import display, plots


def test_contrast_matches_wcag() -> None:
    assert round(plots.contrast("black", "white"), 1) == 21.0
    assert plots.contrast("#777777", "white") < 4.5 < plots.contrast("#767676", "white") + 0.1


def test_class_colours_are_distinct_and_the_first_lines_contrast_with_white() -> None:
    for k in (2, 8, 12):
        colours = plots.class_colours(k)
        assert len(set(colours)) == k
    assert all(plots.contrast(c, "white") >= 3 for c in plots.OKABE_ITO[:5])


def test_the_book_style_cycles_the_palette_on_white() -> None:
    display.use_book_style()
    cycle = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
    assert cycle[0] == "#0072B2" and set(cycle) == set(plots.OKABE_ITO)
    assert mpl.rcParams["figure.facecolor"] == "white" and not mpl.rcParams["savefig.transparent"]


def test_confusion_matrix_counts_are_readable_on_their_cells() -> None:
    """Every count's colour contrasts at least 4.5:1 with its cell (the old half-maximum
    threshold put white on light blue)."""
    cm = np.array([[50, 26, 0], [10, 40, 5], [0, 30, 45]])
    ax = plots.plot_confusion_matrix(cm, ["a", "b", "c"])
    image = ax.images[0]
    for text in ax.texts:
        i, j = (round(v) for v in text.get_position()[::-1])
        cell = image.cmap(image.norm(cm[i, j]))[:3]
        assert plots.contrast(text.get_color(), cell) >= 4.5, (text.get_text(), cell)
    plt.close("all")
