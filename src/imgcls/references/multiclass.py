"""Chapter 6, multi-class strategies."""

from __future__ import annotations

from imgcls.references.base import CPSC330, Reference

# The lecture times one-vs-one and one-vs-rest on 20 synthetic blobs; this chapter measures them,
# and chapter 5's network, on MNIST digits instead, so the lecture has no comparable figure.
MNIST = f"{CPSC330} (strategies), measured on MNIST here"

REFERENCES: dict[str, Reference] = {
    # The blobs are synthetic, so "any"; list-valued keys are checked element by element:
    # measured coef in [-0.73, 1.36], intercepts [-5.43, 0.22], scores [-12.80, 2.61], proba max
    # 0.508.
    "multiclass.ovr_coef": Reference(None, CPSC330, accept={"any": (-1.6, 1.6)}),
    "multiclass.ovr_intercept": Reference(None, CPSC330, accept={"any": (-6.0, 0.6)}),
    "multiclass.point_scores": Reference(None, CPSC330, accept={"any": (-13.5, 3.2)}),
    "multiclass.point_proba": Reference(None, CPSC330, accept={"any": (0.0, 0.6)}),
    # MNIST, official files, fixed subsets and seeds; single-threaded fits on 2 cores shared by
    # up to 8 jobs (load 5-7): quick (2,000 training images) OvO 0.76-1.37 s, OvR 0.30-0.60 s;
    # full (10,000) OvO 4.2 s, OvR 4.7 s. Timing ranges are loose (other machines, other loads).
    "multiclass.ovo_fit_seconds": Reference(None, MNIST, accept={
        "quick": (0.05, 30.0), "full": (0.3, 300.0)}),
    "multiclass.ovr_fit_seconds": Reference(None, MNIST, accept={
        "quick": (0.02, 15.0), "full": (0.3, 300.0)}),
    # test accuracies measured: quick OvO 0.907, OvR 0.891, network 0.917, softmax regression on
    # its features 0.915 (1,000 test images); full 0.930, 0.911, 0.957, 0.961 (10,000)
    "multiclass.ovo_test_accuracy": Reference(None, MNIST, accept={
        "quick": (0.89, 0.925), "full": (0.915, 0.945)}),
    "multiclass.ovr_test_accuracy": Reference(None, MNIST, accept={
        "quick": (0.875, 0.905), "full": (0.895, 0.925)}),
    "multiclass.net_test_accuracy": Reference(None, MNIST, accept={
        "quick": (0.895, 0.94), "full": (0.94, 0.975)}),
    "multiclass.features_test_accuracy": Reference(None, MNIST, accept={
        "quick": (0.895, 0.94), "full": (0.94, 0.975)}),
}
