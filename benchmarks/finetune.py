"""Training speed of chapter 9's fine-tuning: the on-device pipeline against DataLoader+PIL.

Prints training images/s and epoch time (plus the time of one pass over the test set and the
projected time of the whole protocol) for each pipeline, on the same machine and model:

  fast     uint8 images kept on the device, augmented there batch by batch (imgcls.finetune),
           mixed precision and channels-last on CUDA
  pil      a straightforward DataLoader: one PIL image at a time through torchvision transforms
           in worker processes, float32, default memory layout
  pil-amp  the same DataLoader, with the fast pipeline's mixed precision and channels-last
           (separates the data pipeline's share of the speed-up from the arithmetic's)

The network has random weights: the speed of a training step does not depend on their values,
so the figures hold for the pretrained model too. Data: STL-10 when the data folder has it,
otherwise (or with --data synthetic) random images of STL-10's size and number (5,000 train /
8,000 test, 96x96), or the mirror's CIFAR-10 with --data cifar10.

  python benchmarks/finetune.py                       # the full protocol's sizes (for a GPU)
  python benchmarks/finetune.py --arch resnet18 --size 112 --per-class 20 --workers 2   # CPU
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
import torchvision
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from imgcls import config  # noqa: E402
from imgcls import finetune as ft  # noqa: E402
from imgcls.data.errors import DataError  # noqa: E402

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", choices=("auto", "stl10", "cifar10", "synthetic"), default="auto")
    p.add_argument("--arch", default="resnet50", help="a torchvision classification model")
    p.add_argument("--size", type=int, default=224, help="the model's input size")
    p.add_argument("--batch-size", type=int, default=32, help="the chapter's full profile uses 32")
    p.add_argument("--epochs", type=int, default=2, help="timed training epochs per pipeline")
    p.add_argument("--protocol-epochs", type=int, default=15,
                   help="epochs of the protocol whose time is projected")
    p.add_argument("--per-class", type=int, default=None,
                   help="train images per class (test: 1.6 times as many); default all")
    p.add_argument("--workers", type=int, default=None,
                   help="DataLoader workers (default: the CPU count, at most 8)")
    p.add_argument("--pipelines", default="fast,pil,pil-amp")
    p.add_argument("--warmup", type=int, default=5, help="untimed batches before timing")
    return p.parse_args(argv)


def _data(kind: str, per_class: int | None) -> tuple[ft.FinetuneData, str]:
    test_per_class = None if per_class is None else int(per_class * 1.6)
    if kind in ("auto", "stl10"):
        from imgcls.data.stl10 import load_stl10

        try:
            d = load_stl10(per_class, test_per_class)
            return ft.FinetuneData(d.x_train, d.y_train, d.x_test, d.y_test, d.classes,
                                   "STL-10", d.source, False), "STL-10"
        except DataError as exc:
            if kind == "stl10":
                raise
            print(f"(STL-10 is not available here: {exc.problem})")
    if kind == "cifar10":
        from imgcls.data.cifar10 import load_cifar10

        c = load_cifar10(per_class, test_per_class)
        return ft.FinetuneData(c.x_train, c.y_train, c.x_test, c.y_test, c.classes,
                               "CIFAR-10", c.source, True), "CIFAR-10 (mirror)"
    gen = torch.Generator().manual_seed(0)
    n_train, n_test = 10 * (per_class or 500), 10 * (test_per_class or 800)

    def images(n: int) -> torch.Tensor:
        return torch.randint(0, 256, (n, 3, 96, 96), dtype=torch.uint8, generator=gen)

    data = ft.FinetuneData(images(n_train), torch.arange(n_train) % 10, images(n_test),
                           torch.arange(n_test) % 10, tuple(map(str, range(10))), "synthetic",
                           "random images of STL-10's size", True)
    return data, "synthetic images of STL-10's size"


def _batches(name: str, data: ft.FinetuneData, args, workers: int, device: torch.device):
    """Training and test batches of one pipeline."""
    width = data.x_train.shape[-1]
    pad = width // 8
    if name == "fast":
        aug = ft.Augment(args.size, IMAGENET_MEAN, IMAGENET_STD, pad=pad)
        test = ft.Preprocess(args.size, IMAGENET_MEAN, IMAGENET_STD)
        cl = device.type == "cuda"
        return (ft.DeviceBatches(data.x_train, data.y_train, args.batch_size, aug, shuffle=True,
                                 device=device, channels_last=cl),
                ft.DeviceBatches(data.x_test, data.y_test, args.batch_size * 2, test,
                                 device=device, channels_last=cl))
    train_tf = ft.pil_transforms(args.size, IMAGENET_MEAN, IMAGENET_STD, train=True,
                                 image_size=width, pad=pad)
    test_tf = ft.pil_transforms(args.size, IMAGENET_MEAN, IMAGENET_STD, train=False,
                                image_size=width)
    return (ft.pil_loader(data.x_train, data.y_train, train_tf, args.batch_size, shuffle=True,
                          workers=workers),
            ft.pil_loader(data.x_test, data.y_test, test_tf, args.batch_size * 2,
                          shuffle=False, workers=workers))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _run(name: str, data, args, workers: int, device: torch.device) -> dict[str, float]:
    """Warm up, then time ``args.epochs`` training epochs and one pass over the test set."""
    fast_math = name != "pil" and device.type == "cuda"

    def amp():
        return torch.autocast("cuda", dtype=torch.bfloat16) if fast_math else nullcontext()

    torch.manual_seed(0)
    model = getattr(torchvision.models, args.arch)(weights=None, num_classes=10).to(device)
    if fast_math:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    train, test = _batches(name, data, args, workers, device)

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if fast_math:
            x = x.contiguous(memory_format=torch.channels_last)
        opt.zero_grad(set_to_none=True)
        with amp():
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    for i, (x, y) in enumerate(train):
        if i == args.warmup:
            break
        step(x, y)
    _sync(device)
    tick = time.perf_counter()
    for _ in range(args.epochs):
        for x, y in train:
            step(x, y)
    _sync(device)
    epoch = (time.perf_counter() - tick) / args.epochs
    model.eval()
    _sync(device)
    tick = time.perf_counter()
    with torch.no_grad(), amp():
        for x, _ in test:
            model(x.to(device, non_blocking=True))
    _sync(device)
    evaluation = time.perf_counter() - tick
    return {"epoch_s": epoch, "train_img_s": len(data.y_train) / epoch, "eval_s": evaluation,
            "protocol_s": args.protocol_epochs * (epoch + evaluation)}


def main(argv: list[str] | None = None) -> None:
    """Measure each pipeline and print one line per pipeline."""
    args = _args(argv)
    device = config.device()
    workers = args.workers if args.workers is not None else min(8, os.cpu_count() or 1)
    torch.backends.cudnn.benchmark = True
    data, what = _data(args.data, args.per_class)
    name = torch.cuda.get_device_name() if device.type == "cuda" else (
        f"CPU ({torch.get_num_threads()} threads)")
    print(f"device: {name}; torch {torch.__version__}; data: {what}, "
          f"{len(data.y_train)} train / {len(data.y_test)} test, "
          f"{data.x_train.shape[-1]}px -> {args.size}px; model: {args.arch} (random weights), "
          f"batch {args.batch_size}; DataLoader workers: {workers}")
    print(f"{'pipeline':<9} {'train img/s':>11} {'epoch s':>8} {'test pass s':>11} "
          f"{f'{args.protocol_epochs}-epoch protocol s':>22}")
    for pipeline in args.pipelines.split(","):
        r = _run(pipeline, data, args, workers, device)
        print(f"{pipeline:<9} {r['train_img_s']:>11.1f} {r['epoch_s']:>8.2f} "
              f"{r['eval_s']:>11.2f} {r['protocol_s']:>22.1f}", flush=True)


if __name__ == "__main__":
    main()
