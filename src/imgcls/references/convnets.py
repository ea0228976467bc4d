"""Chapter 8, convolutional networks on Sign Language MNIST."""

from __future__ import annotations

from imgcls.references.base import Reference

LECTURE = "Sign Language MNIST CNN lecture"
BOOK = "this book (Sign Language MNIST)"

REFERENCES: dict[str, Reference] = {
    # Stand-in: the mirror's test PNGs split three ways by letter (seed 0), families of
    # near-identical copies kept whole (see imgcls.data.sign_mnist.load_sign_mnist_splits).
    # Real data: not measurable offline; ranges from the lecture (LR ~0.54 after 30 epochs of
    # plain SGD, the CNNs above it).
    "convnets.lr_val_accuracy": Reference(0.54, LECTURE,
                                          accept={"real": (0.40, 0.75),
                                                  "standin": (0.38, 0.60)}),
    "convnets.minimal_cnn_val_accuracy": Reference(None, BOOK,
                                                   accept={"real": (0.55, 1.0),
                                                           "standin": (0.40, 0.70)}),
    "convnets.deeper_cnn_val_accuracy": Reference(None, BOOK,
                                                  accept={"real": (0.60, 1.0),
                                                          "standin": (0.40, 0.75)}),
    "convnets.cnn_val_accuracy": Reference("above logistic regression", LECTURE,
                                           accept={"real": (0.60, 1.0),
                                                   "standin": (0.40, 0.75)}),
    "convnets.lr_test_accuracy": Reference(None, BOOK,
                                           accept={"real": (0.40, 0.75),
                                                   "standin": (0.30, 0.60)}),
    "convnets.cnn_test_accuracy": Reference("above logistic regression", LECTURE,
                                            accept={"real": (0.60, 1.0),
                                                    "standin": (0.40, 0.75)}),
}
