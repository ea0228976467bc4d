"""Chapter 2, pixel similarity on the MNIST 3s and 7s."""

from __future__ import annotations

from imgcls.references.base import FASTBOOK, Reference

REFERENCES: dict[str, Reference] = {
    # Deterministic on the exact MNIST files: measured 926/1010, 1013/1028 and their mean,
    # equal to the lecture's; the ranges allow one image either way (float summation order).
    "pixel_similarity.accuracy_3s": Reference(0.9168, FASTBOOK, accept={"real": (0.9158, 0.9179)}),
    "pixel_similarity.accuracy_7s": Reference(0.9854, FASTBOOK, accept={"real": (0.9844, 0.9864)}),
    "pixel_similarity.accuracy_mean": Reference(0.9511, FASTBOOK,
                                                accept={"real": (0.9501, 0.9521)}),
    # The same rule with the L2 distance (the lecture reports L1 only): measured 968/1010,
    # 1001/1028 and their mean 0.9661 on the exact files; one image either way again.
    "pixel_similarity.l2_accuracy_3s": Reference(None, "this book (MNIST, L2 distance)",
                                                 accept={"real": (0.9574, 0.9594)}),
    "pixel_similarity.l2_accuracy_7s": Reference(None, "this book (MNIST, L2 distance)",
                                                 accept={"real": (0.9728, 0.9747)}),
    "pixel_similarity.l2_accuracy_mean": Reference(None, "this book (MNIST, L2 distance)",
                                                   accept={"real": (0.9656, 0.9666)}),
}
