"""Tests for the chapter 6 helpers: one-vs-rest scores by hand, strategy sizes, timing, plots."""

import shutil

import graphviz
import matplotlib.pyplot as plt
import mglearn
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from threadpoolctl import threadpool_limits

from imgcls import multiclass as mc


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny fits: on a busy machine BLAS threads waiting for cores would cost seconds."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def three():
    return mc.blobs(centers=3, n_samples=120, random_state=42)


@pytest.fixture(scope="module")
def ovr(three):
    return OneVsRestClassifier(LogisticRegression(max_iter=2000)).fit(three.x_train,
                                                                      three.y_train)


def test_blobs_split_sizes_and_determinism(three):
    assert three.x_train.shape == (96, 2) and three.x_test.shape == (24, 2)
    again = mc.blobs(centers=3, n_samples=120, random_state=42)
    assert np.array_equal(again.x_train, three.x_train)
    assert np.array_equal(again.y_test, three.y_test)


def test_scores_by_hand_equal_decision_function(three, ovr):
    coef, intercept = mc.stacked_coefficients(ovr)
    assert coef.shape == (3, 2) and intercept.shape == (3,)
    points = np.vstack([[0.0, -7.0], three.x_test])
    by_hand = mc.raw_scores(points, coef, intercept)
    assert np.allclose(by_hand, ovr.decision_function(points), rtol=0, atol=1e-10)
    assert np.array_equal(by_hand.argmax(axis=1), ovr.predict(points))
    # a single point given as a 1-D vector is scored too
    assert mc.raw_scores(np.array([0.0, -7.0]), coef, intercept).shape == (1, 3)


def test_ovr_probabilities_equal_predict_proba(three, ovr):
    coef, intercept = mc.stacked_coefficients(ovr)
    proba = mc.ovr_probabilities(mc.raw_scores(three.x_test, coef, intercept))
    assert np.allclose(proba, ovr.predict_proba(three.x_test), rtol=0, atol=1e-12)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_wrapper_equals_binary_fits_by_hand(three, ovr):
    coef, intercept = mc.stacked_coefficients(ovr)
    for c in range(3):
        alone = LogisticRegression(max_iter=2000).fit(three.x_train, three.y_train == c)
        assert np.allclose(alone.coef_[0], coef[c]) and np.isclose(alone.intercept_[0],
                                                                   intercept[c])


@pytest.mark.parametrize("k", [3, 5])
def test_number_of_binary_models(k):
    data = mc.blobs(centers=k, n_samples=30 * k, random_state=0)
    ovr = OneVsRestClassifier(LogisticRegression(max_iter=2000)).fit(data.x_train,
                                                                     data.y_train)
    ovo = OneVsOneClassifier(LogisticRegression(max_iter=2000)).fit(data.x_train,
                                                                    data.y_train)
    assert len(ovr.estimators_) == k
    assert len(ovo.estimators_) == k * (k - 1) // 2


def test_fit_seconds_times_and_leaves_model_fitted(three):
    model = LogisticRegression(max_iter=2000)
    seconds = mc.fit_seconds(model, three.x_train, three.y_train, repeat=2)
    assert 0 < seconds < 10
    assert model.coef_.shape == (3, 2)


def test_plot_helpers_return_axes(three, ovr):
    ovo = OneVsOneClassifier(LogisticRegression(max_iter=2000)).fit(three.x_train,
                                                                    three.y_train)
    axes = mc.plot_ovr_binary(ovr, three.x_train, three.y_train, steps=20)
    assert len(axes) == 3 and all(isinstance(ax, plt.Axes) for ax in axes)
    assert [ax.get_title() for ax in axes] == [f"class {c} vs rest" for c in range(3)]
    axes = mc.plot_ovo_binary(ovo, three.x_train, three.y_train)
    assert len(axes) == 3 and axes[2].get_title().startswith("class 1 vs class 2")
    ax = mc.plot_regions(ovr, three.x_train, three.y_train, three.x_test, three.y_test,
                         steps=20)
    assert isinstance(ax, plt.Axes)
    _, ax = plt.subplots()
    assert mc.plot_points(ax, three.x_train, three.y_train, [0, 1, 2]) is ax
    plt.close("all")


@pytest.mark.parametrize("draw", [mglearn.plots.plot_logistic_regression_graph,
                                  mglearn.plots.plot_single_hidden_layer_graph,
                                  mglearn.plots.plot_two_hidden_layer_graph])
def test_diagrams_render_without_graphviz_warnings(draw, capfd):
    graph = mc.readable_diagram(draw())
    assert "width=0.9" in graph.source
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    svg = graph.pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "too small" not in capfd.readouterr().err


def test_network_diagram_without_dot_prints_one_line(monkeypatch, capsys):
    def missing():
        raise graphviz.ExecutableNotFound(["dot", "-V"])

    monkeypatch.setattr(graphviz, "version", missing)
    assert mc.network_diagram(mglearn.plots.plot_logistic_regression_graph()) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "apt-get install graphviz" in out


def test_network_diagram_with_dot_returns_the_graph(monkeypatch):
    monkeypatch.setattr(graphviz, "version", lambda: (2, 43, 0))
    graph = mc.network_diagram(mglearn.plots.plot_single_hidden_layer_graph())
    assert graph is not None and "width=0.9" in graph.source
