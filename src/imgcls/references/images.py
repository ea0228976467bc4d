"""Chapter 1, images are tensors: facts of the datasets and of torchvision's preprocessing."""

from __future__ import annotations

from imgcls.references.base import Reference

REFERENCES: dict[str, Reference] = {
    # facts of the datasets and of torchvision's preprocessing: exact expectations)
    "images.mnist_shape": Reference("1x28x28", "MNIST (LeCun, Cortes and Burges)"),
    "images.mnist_train_size": Reference(60000, "MNIST", accept={"any": (60000, 60000)}),
    "images.mnist_test_size": Reference(10000, "MNIST", accept={"any": (10000, 10000)}),
    "images.cifar10_shape": Reference("3x32x32", "CIFAR-10 (Krizhevsky, 2009)"),
    "images.cifar10_train_size": Reference(50000, "CIFAR-10", accept={"any": (50000, 50000)}),
    "images.cifar10_test_size": Reference(10000, "CIFAR-10", accept={"any": (10000, 10000)}),
    "images.photo_channels": Reference(3, "RGB photos", accept={"any": (3, 3)}),
    "images.grey_max_abs_diff": Reference(None, "PIL convert('L'), ITU-R 601-2 luma",
                                          accept={"any": (0, 1)}),
    "images.preprocessed_shape": Reference("3x224x224", "torchvision ResNet18_Weights"),
    "images.preprocess_by_hand_max_abs_diff": Reference(None, "torchvision ResNet18_Weights",
                                                        accept={"any": (0.0, 1e-5)}),
    # The exact animal-faces files, so deterministic; measured 60.0, 46.9, 84.0 and 80.9.
    "images.l1_cat_brighter": Reference(None, "this book (animal faces)",
                                        accept={"real": (59.5, 60.0)}),
    "images.l1_cat_nearest_dog": Reference(None, "this book (animal faces)",
                                           accept={"real": (46.4, 47.4)}),
    "images.l1_cat_mean_other_cats": Reference(None, "this book (animal faces)",
                                               accept={"real": (83.5, 84.5)}),
    "images.l1_cat_mean_wild": Reference(None, "this book (animal faces)",
                                         accept={"real": (80.4, 81.4)}),
}
