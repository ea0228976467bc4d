"""The lectures' reference figures and the ranges each chapter's hidden checks accept.

One table for the whole book: the results page shows ``lecture`` beside what a build measured,
and ``check`` asserts a measured value lies in the range accepted for the active profile and for
the data actually used (real, or an offline stand-in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imgcls import config


@dataclass(frozen=True)
class Reference:
    """A recorded figure: what the lectures report, where, and which values a build accepts.

    ``accept`` maps a condition to an inclusive (low, high) range. Conditions, most specific
    first: ``"<data>-<profile>"``, ``"<data>"``, ``"<profile>"``, ``"any"``, where data is
    ``real`` or ``standin`` and profile is ``quick`` or ``full``.
    """

    lecture: float | str | None
    source: str
    accept: dict[str, tuple[float, float]] = field(default_factory=dict)


CS231N = "Stanford CS231n assignment 1 (CIFAR-10)"
FASTBOOK = "fastai book, chapter 4 (MNIST sample)"
CPSC330 = "UBC CPSC 330"

REFERENCES: dict[str, Reference] = {
    # chapter 2
    "pixel_similarity.accuracy_3s": Reference(0.9168, FASTBOOK),
    "pixel_similarity.accuracy_7s": Reference(0.9854, FASTBOOK),
    "pixel_similarity.accuracy_mean": Reference(0.9511, FASTBOOK),
    # chapter 3
    "gradient_descent.linear_valid_accuracy": Reference("above 0.951 (pixel similarity)", FASTBOOK),
    # chapter 4
    "knn.best_k": Reference(None, CS231N),
    "knn.test_accuracy": Reference("0.27-0.28", CS231N),
    "knn.speedup_no_loops_vs_two_loops": Reference(None, CS231N),
    # chapter 5
    "linear.max_grad_rel_error": Reference(None, CS231N),
    "linear.svm_test_accuracy": Reference("0.38-0.40", CS231N),
    "linear.softmax_test_accuracy": Reference("0.38-0.40", CS231N),
    "two_layer.test_accuracy": Reference("0.48-0.52", CS231N),
    # chapter 6
    "multiclass.ovr_coef": Reference(None, CPSC330),
    "multiclass.ovr_intercept": Reference(None, CPSC330),
    "multiclass.point_scores": Reference(None, CPSC330),
    "multiclass.point_proba": Reference(None, CPSC330),
    "multiclass.ovo_fit_seconds": Reference(0.264, CPSC330),
    "multiclass.ovr_fit_seconds": Reference(0.060, CPSC330),
    "multiclass.ovo_test_accuracy": Reference(0.76, CPSC330),
    "multiclass.ovr_test_accuracy": Reference(0.67, CPSC330),
    # chapter 7
    "flatten.dummy_valid_accuracy": Reference(0.33, CPSC330),
    "flatten.lr_train_accuracy": Reference(1.0, CPSC330),
    "flatten.lr_valid_accuracy": Reference(0.67, CPSC330),
    "sign_mnist.majority_baseline": Reference(0.05, "Sign Language MNIST CNN lecture"),
    "sign_mnist.lr_val_accuracy": Reference(0.54, "Sign Language MNIST CNN lecture"),
    "sign_mnist.cnn_val_accuracy": Reference("above logistic regression",
                                             "Sign Language MNIST CNN lecture"),
    # chapter 8
    "transfer.backbone_weights": Reference("DenseNet121_Weights.IMAGENET1K_V1", CPSC330),
    "transfer.feature_dim": Reference(1024, CPSC330),
    "transfer.features_valid_accuracy": Reference(0.90, CPSC330),
    "transfer.flatten_valid_accuracy": Reference(0.67, CPSC330),
    # chapter 9
    "finetune.dataset": Reference("STL-10", "ResNet-50 fine-tuning lecture"),
    "finetune.weights": Reference("ResNet50 ImageNet", "ResNet-50 fine-tuning lecture"),
    "finetune.best_epoch": Reference(None, "ResNet-50 fine-tuning lecture"),
    "finetune.best_test_accuracy": Reference(0.977, "ResNet-50 fine-tuning lecture, 15 epochs"),
    "finetune.train_images_per_second": Reference(None, "ResNet-50 fine-tuning lecture"),
}


def accepted_range(key: str, *, standin: bool = False) -> tuple[float, float]:
    """The range a build accepts for ``key`` under the active profile and data."""
    ref = REFERENCES[key]
    data = "standin" if standin else "real"
    prof = config.profile()
    for condition in (f"{data}-{prof}", data, prof, "any"):
        if condition in ref.accept:
            return ref.accept[condition]
    raise KeyError(f"no accepted range for {key} with {data} data in the {prof} profile")


def check(key: str, value: float, *, standin: bool = False) -> None:
    """Assert that a measured ``value`` lies in the accepted range (used by hidden check cells)."""
    low, high = accepted_range(key, standin=standin)
    assert low <= value <= high, (
        f"{key} = {value!r} is outside the accepted range [{low}, {high}] "
        f"({'stand-in' if standin else 'real'} data, {config.profile()} profile; "
        f"lecture: {REFERENCES[key].lecture})"
    )
