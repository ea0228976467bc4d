"""The shared figure helpers: labels that stay readable."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from imgcls.plots import plot_confusion_matrix  # noqa: E402

CIFAR = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
         "truck"]


@pytest.mark.parametrize("labels, rotation", [
    (["cat", "dog", "wild"], 0.0),  # a few short names stay level
    (CIFAR, 45.0),  # ten long names would overlap: slanted
    ([chr(ord("A") + i) for i in range(24)], 90.0),  # many classes: upright
])
def test_confusion_matrix_labels_do_not_overlap(labels, rotation):
    cm = np.eye(len(labels), dtype=int) * 5
    ax = plot_confusion_matrix(cm, labels)
    ticks = ax.get_xticklabels()
    assert [t.get_text() for t in ticks] == labels
    assert {t.get_rotation() for t in ticks} == {rotation}
    # the counts are written in the cells while they fit (up to 12 classes)
    written = sum(t.get_text() == "5" for t in ax.texts)
    assert written == (len(labels) if len(labels) <= 12 else 0)
    plt.close(ax.figure)
