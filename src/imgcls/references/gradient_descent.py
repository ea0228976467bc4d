"""Chapter 3, gradient descent: the linear 3-vs-7 model."""

from __future__ import annotations

from imgcls.references.base import FASTBOOK, Reference

REFERENCES: dict[str, Reference] = {
    # Seed 0 on CPU: 0.9652 (quick, 15 epochs), 0.9676 (full, 20); seeds 0-2 span about 0.006.
    "gradient_descent.linear_valid_accuracy": Reference(
        "above 0.951 (pixel similarity)", FASTBOOK,
        accept={"real-quick": (0.958, 0.978), "real-full": (0.960, 0.980)}),
    # Share of the training mistakes whose 1 - sigmoid gradient is below 0.01 (saturated).
    # Seed 0: 0.784 at the random start (both profiles); 0.482 after 15 epochs, 0.473 after 20;
    # seeds 1-2: 0.60-0.67 at the start, 0.40-0.48 trained.
    "gradient_descent.quiet_mistakes_at_start": Reference(None, "this book (MNIST 3s and 7s)",
                                                          accept={"real": (0.70, 0.86)}),
    "gradient_descent.quiet_mistakes_trained": Reference(None, "this book (MNIST 3s and 7s)",
                                                         accept={"real": (0.35, 0.60)}),
}
