"""Chapter 10, transfer learning on animal faces."""

from __future__ import annotations

from imgcls.references.base import CPSC330, Reference

REFERENCES: dict[str, Reference] = {
    # Offline, "standin" is = the mirror's MobileNetV2, dequantized int8 ImageNet weights;
    # the photos and animal faces are exact files, so its figures are deterministic: measured
    # tiger cat, cheetah, Walker hound and 0.873 on 2 CPU cores. Class names are exact ranges.
    "transfer.backbone_weights": Reference("DenseNet121_Weights.IMAGENET1K_V1", CPSC330),
    "transfer.top1_cat": Reference(None, CPSC330,
                                   accept={"standin": ("tiger cat", "tiger cat")}),
    "transfer.top1_cheetah": Reference(None, CPSC330,
                                       accept={"any": ("cheetah", "cheetah")}),
    "transfer.top1_dog": Reference(None, CPSC330,
                                   accept={"standin": ("Walker hound", "Walker hound")}),
    "transfer.feature_dim": Reference(1024, CPSC330,
                                      accept={"real": (1024, 1024), "standin": (1280, 1280)}),
    "transfer.features_valid_accuracy": Reference(0.90, CPSC330,
                                                  accept={"real": (0.80, 1.0),
                                                          "standin": (0.85, 0.90)}),
    "transfer.flatten_valid_accuracy": Reference(0.67, CPSC330, accept={"any": (0.60, 0.74)}),
    # Limits of transfer. The cat and the dog side by side: the probability the smaller of the
    # two ImageNet groups (domestic cats, dog breeds) gets; measured 0.000 (dogs 0.996) with the
    # mirror's network. Validation wild faces by species: measured 31/31 foxes and 0/19 big cats
    # right (all 19 errors are big cats). Real DenseNet-121 not measurable offline: wide ranges.
    "transfer.two_animals_top_group": Reference(None, "this book (cat and dog photos)"),
    "transfer.two_animals_minor_probability": Reference(
        None, "this book (cat and dog photos)",
        accept={"standin": (0.0, 0.01), "real": (0.0, 0.1)}),
    "transfer.features_valid_accuracy_foxes": Reference(
        None, "this book (animal faces)", accept={"standin": (0.9, 1.0), "real": (0.7, 1.0)}),
    "transfer.features_valid_accuracy_big_cats": Reference(
        None, "this book (animal faces)", accept={"standin": (0.0, 0.15), "real": (0.0, 0.7)}),
    # The campus photo whose top class is wrong (not in predictions.CAMPUS_SUBJECTS) with the
    # highest probability: measured 'fig' 0.711 for the apples with the mirror's network. The
    # page says "more than a hundred times the 1/1000 of a guess", hence 0.1 for DenseNet-121.
    "transfer.surest_wrong_photo": Reference(None, "this book (campus photos)",
                                             accept={"standin": ("apples", "apples")}),
    "transfer.surest_wrong_probability": Reference(
        None, "this book (campus photos)", accept={"standin": (0.65, 0.77), "real": (0.1, 1.0)}),
    # torchvision's own weights metadata (no file needed): 115 classification weights and a best
    # top-1 of 88.552 (ViT-H/14, SWAG E2E) in torchvision 0.29.1; other versions in the
    # package's range may list a few more or fewer.
    "transfer.zoo_weights": Reference(None, "torchvision weights metadata",
                                      accept={"any": (100, 200)}),
    "transfer.zoo_best_top1": Reference(None, "torchvision weights metadata",
                                        accept={"any": (85.0, 95.0)}),
    # Forward time per 224-pixel image of the page's network, median of a few passes over one
    # batch, on whatever device ran the page: a wide range (a shared CPU core is many times
    # slower than a quiet GPU); measured about 40-120 ms for the mirror's MobileNetV2 on one
    # shared CPU thread.
    "transfer.ms_per_image": Reference(None, "this book (this run's device)",
                                       accept={"any": (0.01, 5000.0)}),
}
