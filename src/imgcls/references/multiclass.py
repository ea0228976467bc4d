"""Chapter 6, multi-class strategies."""

from __future__ import annotations

from imgcls.references.base import CPSC330, Reference

# The lecture times one-vs-one and one-vs-rest on 20 synthetic blobs; this chapter measures them,
# and chapter 5's network, on MNIST digits instead, so the lecture has no comparable figure.
MNIST = f"{CPSC330} (strategies), measured on MNIST here"

REFERENCES: dict[str, Reference] = {
    # (synthetic blobs, so "any"; list-valued keys are checked element by element: measured
    # coef in [-0.73, 1.36], intercepts [-5.43, 0.22], scores [-12.80, 2.61], proba max 0.508.
    # Single-threaded fits on 2 cores shared by 8 people: OvO 2.1-3.6 s, OvR 0.19-0.45 s (up to
    # 38 s / 4 s with 2 BLAS threads); timing ranges are loose. Accuracies 0.735 / 0.675 exactly.)
    "multiclass.ovr_coef": Reference(None, CPSC330, accept={"any": (-1.6, 1.6)}),
    "multiclass.ovr_intercept": Reference(None, CPSC330, accept={"any": (-6.0, 0.6)}),
    "multiclass.point_scores": Reference(None, CPSC330, accept={"any": (-13.5, 3.2)}),
    "multiclass.point_proba": Reference(None, CPSC330, accept={"any": (0.0, 0.6)}),
    "multiclass.ovo_fit_seconds": Reference(None, MNIST, accept={"any": (0.01, 120.0)}),
    "multiclass.ovr_fit_seconds": Reference(None, MNIST, accept={"any": (0.005, 60.0)}),
    "multiclass.ovo_test_accuracy": Reference(None, MNIST, accept={"any": (0.85, 0.97)}),
    "multiclass.ovr_test_accuracy": Reference(None, MNIST, accept={"any": (0.83, 0.96)}),
    "multiclass.net_test_accuracy": Reference(None, MNIST, accept={"any": (0.88, 0.99)}),
    "multiclass.features_test_accuracy": Reference(None, MNIST, accept={"any": (0.88, 0.99)}),
}
