"""Chapter 5, linear classifiers and a two-layer network on CIFAR-10."""

from __future__ import annotations

from imgcls.references.base import CS231N, Reference

REFERENCES: dict[str, Reference] = {
    # Full profile on the mirror's CIFAR-10 JPEGs, one CPU thread, seed 0: SVM 0.399, softmax
    # 0.415, two-layer network 0.538 (the official pixels are not measurable offline).
    "linear.max_grad_rel_error": Reference(None, CS231N, accept={"any": (0.0, 1e-10)}),
    "linear.svm_test_accuracy": Reference("0.38-0.40", CS231N,
                                          accept={"quick": (0.35, 0.46), "full": (0.36, 0.46)}),
    "linear.softmax_test_accuracy": Reference("0.38-0.40", CS231N,
                                              accept={"quick": (0.35, 0.46),
                                                      "full": (0.36, 0.46)}),
    "two_layer.test_accuracy": Reference("0.48-0.52", CS231N,
                                         accept={"quick": (0.42, 0.53), "full": (0.47, 0.58)}),
}
