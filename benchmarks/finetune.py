"""Training speed of chapter 11's fine-tuning: the on-device pipeline against DataLoader+PIL.

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

With --record it also writes the figures (device, torch and CUDA versions, date, and per
pipeline the training images/s and the projected protocol time) as a JSON record into
benchmarks/results/ (imgcls.speed_records); the results page shows the latest GPU record.

  python benchmarks/finetune.py --data synthetic --record     # on a GPU, then commit the file

With --quick-stl10 it instead times chapter 11's quick profile as the chapter runs it (frozen
features, the new head on them, then fine-tuning every layer), with the sizes read from the
chapter's own SIZES cell, on random images of STL-10's size (96x96) in the quick profile's
numbers, and a MobileNetV2 with random weights and batch norms folded (the same computation
as the pretrained one). Its last line is the total time; the quick profile must stay within
180 s on two CPU cores.

  python benchmarks/finetune.py --quick-stl10
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import time
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import torch
import torchvision
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from imgcls import (
    config,  # noqa: E402
    speed_records,  # noqa: E402
)
from imgcls import finetune as ft  # noqa: E402
from imgcls.data.errors import DataError  # noqa: E402
from imgcls.models import backbones, dequantized  # noqa: E402
from imgcls.train import TensorBatches, fit  # noqa: E402

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "11-fine-tuning-stl10.md"


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
    p.add_argument("--record", action="store_true",
                   help="write the figures as a JSON record into benchmarks/results/")
    p.add_argument("--quick-stl10", action="store_true",
                   help="time chapter 11's quick profile on STL-10's sizes instead")
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


def quick_sizes(chapter: Path = CHAPTER) -> dict:
    """The quick profile's entry of the ``SIZES`` dict in chapter 11's code (read, not run)."""
    for cell in chapter.read_text().split("```{code-cell} ipython3")[1:]:
        lines = cell.split("\n```", 1)[0].splitlines()
        code = "\n".join(line for line in lines if not line.startswith(":"))  # not options
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "SIZES" for t in node.targets):
                return ast.literal_eval(node.value)["quick"]
    raise LookupError(f"{chapter} has no code cell assigning SIZES")


def _stl10_sized(per_class: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (10 * per_class, 3, 96, 96), dtype=torch.uint8, generator=gen)
    return images, torch.arange(10 * per_class) % 10


def quick_stl10() -> float:
    """Run chapter 11's quick-profile training on STL-10-sized images; print and return seconds."""
    sizes = quick_sizes()
    if sizes["arch"] != "mobilenet_v2":
        raise SystemExit(f"chapter 11's quick profile uses {sizes['arch']}; this benchmark "
                         f"builds MobileNetV2 only")
    torch.manual_seed(0)
    model = dequantized.fold_batch_norms(torchvision.models.mobilenet_v2().eval())
    bb = backbones.Backbone(model=model, arch="mobilenet_v2", weights_name="random",
                            standin=True, categories=[], transforms=None, mean=IMAGENET_MEAN,
                            std=IMAGENET_STD, input_size=224, feature_dim=1280,
                            description="random weights, batch norms folded")
    x_train, y_train = _stl10_sized(sizes["train_per_class"], 0)
    x_test, y_test = _stl10_sized(sizes["test_per_class"], 1)
    size = min(bb.input_size, sizes["max_input"])
    print(f"CPU threads: {torch.get_num_threads()}; torch {torch.__version__}; "
          f"{len(y_train)} train / {len(y_test)} test images of 96x96 -> {size}px; "
          f"head {sizes['head_epochs']} epochs, fine-tuning {sizes['epochs']} epochs in "
          f"batches of {sizes['batch_size']}", flush=True)
    train_tf = ft.Augment(size, bb.mean, bb.std, pad=96 // 8, degrees=10.0)
    test_tf = ft.Preprocess(size, bb.mean, bb.std)
    start = time.perf_counter()
    train_batches = ft.DeviceBatches(x_train, y_train, sizes["batch_size"], train_tf,
                                     shuffle=True, seed=0, device="cpu")
    test_batches = ft.DeviceBatches(x_test, y_test, 128, test_tf, device="cpu")
    extractor = backbones.feature_extractor(bb)
    z_train, t_train = ft.frozen_features(
        extractor, ft.DeviceBatches(x_train, y_train, 128, test_tf, device="cpu"))
    z_test, t_test = ft.frozen_features(extractor, test_batches)
    features = time.perf_counter()
    print(f"frozen features: {features - start:.1f} s", flush=True)
    head = torch.nn.Linear(bb.feature_dim, 10)
    fit(head, TensorBatches(z_train, t_train, 64, shuffle=True, device="cpu"),
        TensorBatches(z_test, t_test, 1024, device="cpu"), epochs=sizes["head_epochs"],
        optimizer=torch.optim.Adam(head.parameters(), lr=1e-3, weight_decay=1e-4),
        keep_best=False, device="cpu", progress=False)
    head_done = time.perf_counter()
    print(f"new head on the features: {head_done - features:.1f} s", flush=True)
    net = backbones.with_head(bb, head)
    method, lr = ft.fine_tuning_recipe(net)
    optimizer = ft.make_optimizer(net.parameters(), method, lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    history = fit(net, train_batches, test_batches, epochs=sizes["epochs"], optimizer=optimizer,
                  scheduler=scheduler, device="cpu", progress=False)
    total = time.perf_counter() - start
    print(f"fine-tuning ({method}, lr {lr:g}): {history.seconds:.1f} s, "
          f"{history.images_per_second:.0f} training images/s", flush=True)
    print(f"chapter 11 quick profile on STL-10 sizes: {total:.0f} s")
    return total


def main(argv: list[str] | None = None) -> None:
    """Measure each pipeline and print one line per pipeline (or time the quick profile)."""
    args = _args(argv)
    if args.quick_stl10:
        quick_stl10()
        return
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
    figures = {}
    for pipeline in args.pipelines.split(","):
        r = _run(pipeline, data, args, workers, device)
        print(f"{pipeline:<9} {r['train_img_s']:>11.1f} {r['epoch_s']:>8.2f} "
              f"{r['eval_s']:>11.2f} {r['protocol_s']:>22.1f}", flush=True)
        figures[pipeline] = {"train_images_per_s": r["train_img_s"],
                             "protocol_s": r["protocol_s"]}
    if args.record:
        record = speed_records.make_record(name, torch.__version__, torch.version.cuda,
                                           date.today(), figures)
        print(f"record written to {speed_records.save(record)}")


if __name__ == "__main__":
    main()
