"""Multi-class strategies (chapter 6): blob data, one-vs-rest scores by hand, fit timing,
decision-region plots and readable neural-network diagrams."""

from __future__ import annotations

import timeit
from collections.abc import Sequence
from typing import Any, NamedTuple

import graphviz
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits


class Split(NamedTuple):
    """A train/test split of 2-D points and their integer class labels."""

    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def blobs(centers: int, n_samples: int, random_state: int, *, test_size: float = 0.2,
          split_seed: int = 123) -> Split:
    """Gaussian blobs in 2-D (one per class), split reproducibly into train and test."""
    x, y = make_blobs(centers=centers, n_samples=n_samples, random_state=random_state)
    return Split(*train_test_split(x, y, test_size=test_size, random_state=split_seed))


def stacked_coefficients(ovr) -> tuple[np.ndarray, np.ndarray]:
    """The (k, d) weights and (k,) intercepts of a fitted one-vs-rest model's k binary models."""
    coef = np.vstack([est.coef_ for est in ovr.estimators_])
    intercept = np.concatenate([est.intercept_ for est in ovr.estimators_])
    return coef, intercept


def raw_scores(x: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Each binary model's score for each point: x @ coef.T + intercept, shape (n, k)."""
    return np.atleast_2d(x) @ coef.T + intercept


def ovr_probabilities(scores: np.ndarray) -> np.ndarray:
    """One-vs-rest probabilities: each model's sigmoid, rescaled so that every row sums to 1."""
    p = 1.0 / (1.0 + np.exp(-np.asarray(scores, dtype=float)))
    return p / p.sum(axis=1, keepdims=True)


def fit_seconds(model: Any, x: np.ndarray, y: np.ndarray, repeat: int = 3) -> float:
    """The fastest of ``repeat`` single fits, timed with ``timeit``; the model is left fitted.

    BLAS is held to one thread: these fits are tiny, and on a busy machine the threads' start-up
    and waiting would be timed instead of the arithmetic.
    """
    with threadpool_limits(limits=1):
        return min(timeit.repeat(lambda: model.fit(x, y), number=1, repeat=repeat))


def _grid(x: np.ndarray, steps: int, margin: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A steps x steps mesh covering the points ``x`` with ``margin`` to spare on each side."""
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    return np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))


def _colours(k: int) -> list:
    """One distinct colour per class (tab10 up to 10 classes, tab20 beyond)."""
    cmap = plt.get_cmap("tab10" if k <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(k)]


def plot_points(ax: plt.Axes, x: np.ndarray, y: np.ndarray, classes: Sequence[int],
                marker: str = "o", size: float = 30, label: bool = True) -> plt.Axes:
    """Scatter points coloured by class, with a legend entry per class if ``label``."""
    colours = _colours(len(classes))
    for i, c in enumerate(classes):
        sel = y == c
        ax.scatter(x[sel, 0], x[sel, 1], s=size, marker=marker, color=colours[i],
                   edgecolor="k", linewidth=0.5, label=f"class {c}" if label else None)
    return ax


def _line(ax: plt.Axes, w: np.ndarray, b: float, xlim: tuple[float, float], **kwargs) -> None:
    """Draw the line w . x + b = 0 across ``xlim`` (w[1] is non-zero for the models shown here)."""
    xs = np.array(xlim)
    ax.plot(xs, -(w[0] * xs + b) / w[1], **kwargs)


def plot_ovr_binary(ovr, x: np.ndarray, y: np.ndarray, steps: int = 200) -> np.ndarray:
    """One panel per binary one-vs-rest model: its class against the rest, its boundary and the
    side it scores positive (shaded); returns the axes."""
    coef, intercept = stacked_coefficients(ovr)
    classes = list(ovr.classes_)
    colours = _colours(len(classes))
    gx, gy = _grid(x, steps)
    scores = raw_scores(np.c_[gx.ravel(), gy.ravel()], coef, intercept)
    fig, axes = plt.subplots(1, len(classes), figsize=(4 * len(classes), 3.8), squeeze=False)
    for i, (ax, c) in enumerate(zip(axes[0], classes, strict=True)):
        positive = (scores[:, i] > 0).reshape(gx.shape)
        ax.contourf(gx, gy, positive, levels=[0.5, 1.5], colors=[colours[i]], alpha=0.25)
        rest = y != c
        ax.scatter(x[rest, 0], x[rest, 1], s=25, color="lightgrey", edgecolor="k",
                   linewidth=0.5, label="rest")
        ax.scatter(x[~rest, 0], x[~rest, 1], s=30, color=colours[i], edgecolor="k",
                   linewidth=0.5, label=f"class {c}")
        _line(ax, coef[i], intercept[i], (gx.min(), gx.max()), color="k", lw=1.5)
        ax.set(xlim=(gx.min(), gx.max()), ylim=(gy.min(), gy.max()),
               title=f"class {c} vs rest", xlabel="feature 0")
        ax.legend(loc="best", fontsize=8)
    axes[0, 0].set_ylabel("feature 1")
    fig.tight_layout()
    return axes[0]


def plot_ovo_binary(ovo, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One panel per binary one-vs-one model: only its two classes' points, and its boundary."""
    classes = list(ovo.classes_)
    colours = _colours(len(classes))
    pairs = [(a, b) for i, a in enumerate(classes) for b in classes[i + 1:]]
    gx, gy = _grid(x, 2)
    fig, axes = plt.subplots(1, len(pairs), figsize=(4 * len(pairs), 3.8), squeeze=False)
    for ax, est, (a, b) in zip(axes[0], ovo.estimators_, pairs, strict=True):
        for c in (a, b):
            sel = y == c
            ax.scatter(x[sel, 0], x[sel, 1], s=30, color=colours[classes.index(c)],
                       edgecolor="k", linewidth=0.5, label=f"class {c}")
        _line(ax, est.coef_[0], est.intercept_[0], (gx.min(), gx.max()), color="k", lw=1.5)
        ax.set(xlim=(gx.min(), gx.max()), ylim=(gy.min(), gy.max()),
               title=f"class {a} vs class {b} ({(y == a).sum() + (y == b).sum()} points)",
               xlabel="feature 0")
        ax.legend(loc="best", fontsize=8)
    axes[0, 0].set_ylabel("feature 1")
    fig.tight_layout()
    return axes[0]


def plot_regions(model, x_train: np.ndarray, y_train: np.ndarray,
                 x_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
                 ax: plt.Axes | None = None, steps: int = 300, title: str = "",
                 legend: bool = True) -> plt.Axes:
    """The combined decision regions of a fitted classifier, with training points (circles) and
    test points (stars, coloured by the true class; a red ring marks a wrong prediction)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))
    classes = list(model.classes_)
    colours = _colours(len(classes))
    gx, gy = _grid(np.vstack([x_train] + ([x_test] if x_test is not None else [])), steps)
    pred = model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    index = np.searchsorted(classes, pred)
    ax.contourf(gx, gy, index, levels=np.arange(len(classes) + 1) - 0.5, colors=colours,
                alpha=0.3)
    plot_points(ax, x_train, y_train, classes, size=20 if len(classes) > 5 else 30,
                label=legend)
    if x_test is not None and y_test is not None:
        plot_points(ax, x_test, y_test, classes, marker="*", size=140, label=False)
        wrong = model.predict(x_test) != y_test
        ax.scatter(x_test[wrong, 0], x_test[wrong, 1], s=260, facecolor="none",
                   edgecolor="red", linewidth=1.5, label="wrong on test" if legend else None)
    ax.set(xlim=(gx.min(), gx.max()), ylim=(gy.min(), gy.max()), xlabel="feature 0",
           ylabel="feature 1", title=title)
    if legend:
        ax.legend(loc="best", fontsize=8)
    return ax


def readable_diagram(graph, node_width: float = 0.9):
    """Widen the fixed-size circles of an mglearn network diagram so that every label fits.

    mglearn draws fixed-size circles of Graphviz's default width (0.75 in), too narrow for labels
    such as ``h1[0]``: ``dot`` then prints 'size too small for label' warnings into the page.
    """
    graph.node_attr["width"] = str(node_width)
    return graph


DOT_MISSING = ("(diagram not drawn: it needs Graphviz's `dot` program, which this machine lacks; "
               "`apt-get install graphviz` on Debian or Ubuntu, `brew install graphviz` on macOS "
               "or `conda install graphviz` installs it, and Colab has it already)")


def network_diagram(graph, node_width: float = 0.9):
    """An mglearn network diagram made readable, to display; where Graphviz's ``dot`` is missing,
    print one line saying what to install and return None (displaying the graph would raise)."""
    try:
        graphviz.version()  # runs `dot -V`, the program that would draw the diagram
    except graphviz.ExecutableNotFound:
        print(DOT_MISSING)
        return None
    return readable_diagram(graph, node_width)
