"""The book's training loop, the one chapter 7 writes out by hand, plus what a longer run needs:
a history of losses and accuracies, the best epoch's weights, progress bars, and optional mixed
precision on a GPU.

Its core is two short functions a page can print: ``train_epoch`` (train mode; per mini-batch
forward, loss, ``zero_grad``, ``backward``, ``step``) and ``evaluate`` (eval mode under
``torch.no_grad()``). ``fit`` calls them once per epoch and keeps the books.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
from torch import nn
from tqdm.auto import tqdm

from imgcls import config


@dataclass
class History:
    """What ``fit`` measured: per-epoch loss and accuracy, per-batch accuracy, best epoch, speed."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    batch_train_acc: list[float] = field(default_factory=list)
    best_epoch: int = 0
    best_val_acc: float = float("nan")
    seconds: float = 0.0
    images_per_second: float = 0.0


class TensorBatches:
    """Mini-batches ``(x, y)`` of tensors held in memory (moved once to ``device``), in a fresh
    shuffled order on every pass when ``shuffle``; a light stand-in for a DataLoader.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, *,
                 shuffle: bool = False, seed: int = 0, device: torch.device | str | None = None):
        if len(x) != len(y):
            raise ValueError(f"{len(x)} inputs but {len(y)} labels")
        device = torch.device(device) if device is not None else config.device()
        self.x, self.y = x.to(device), y.to(device)
        self.batch_size, self.shuffle = batch_size, shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        n = len(self.x)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        order = order.to(self.x.device)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.x[idx], self.y[idx]


def amp_dtype(device: torch.device, amp: bool) -> torch.dtype | None:
    """The autocast type for ``amp`` on CUDA, None elsewhere: bf16 where the GPU computes it
    natively (Ampere and newer), else fp16 with a gradient scaler (a T4 only emulates bf16, slowly).
    """
    if not (amp and device.type == "cuda"):
        return None
    native = torch.cuda.is_bf16_supported(including_emulation=False)
    return torch.bfloat16 if native else torch.float16


def _autocast(dtype: torch.dtype | None):
    return nullcontext() if dtype is None else torch.autocast("cuda", dtype=dtype)


def _to(x: torch.Tensor, device: torch.device, channels_last: bool = False) -> torch.Tensor:
    x = x.to(device, non_blocking=True)
    if channels_last and x.ndim == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def _clock(device: torch.device) -> float:
    """Wall time, after the GPU (if any) has finished what it was given."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter()


def _bar(batches: Iterable, desc: str, progress: bool) -> Iterable:
    return tqdm(batches, total=len(batches), desc=desc, leave=False, disable=not progress,
                unit="batch")


def train_epoch(model: nn.Module, batches: Iterable, optimizer: torch.optim.Optimizer,
                loss_fn, *, device: torch.device, dtype: torch.dtype | None = None,
                scaler: torch.amp.GradScaler | None = None,
                channels_last: bool = False) -> tuple[float, list[float], list[int]]:
    """One pass over ``batches`` in train mode, one optimiser step per mini-batch.

    Returns the mean loss, and each batch's accuracy and size (measured while it trained).
    ``dtype`` autocasts the forward pass (mixed precision); ``scaler`` scales float16 losses.
    """
    model.train()
    loss_sum = torch.zeros((), device=device)
    correct, sizes = [], []
    for x, y in batches:
        x, y = _to(x, device, channels_last), _to(y, device)
        with _autocast(dtype):
            out = model(x)             # forward
            loss = loss_fn(out, y)     # mean loss over the batch
        optimizer.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()            # gradients of the loss
            optimizer.step()           # one step against them
        else:  # float16: scale the loss so that small gradients do not round to zero
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        loss_sum += loss.detach().float() * len(y)
        correct.append((out.detach().argmax(dim=1) == y).sum())
        sizes.append(len(y))
    if not sizes:
        raise ValueError("the training batches are empty")
    accuracies = [c / n for c, n in zip(torch.stack(correct).tolist(), sizes, strict=True)]
    return loss_sum.item() / sum(sizes), accuracies, sizes


def evaluate(model: nn.Module, batches: Iterable, loss_fn=None, *,
             device: torch.device | str | None = None, amp: bool = False,
             channels_last: bool = False) -> tuple[float, float]:
    """Mean loss (cross-entropy by default) and accuracy of ``model`` over ``batches``, in eval
    mode and without gradients."""
    device = torch.device(device) if device is not None else config.device()
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    model.to(device).eval()
    loss_sum, correct, count = 0.0, 0, 0
    with torch.no_grad(), _autocast(amp_dtype(device, amp)):
        for x, y in batches:
            x, y = _to(x, device, channels_last), _to(y, device)
            out = model(x)
            loss_sum += loss_fn(out, y).float().item() * len(y)
            correct += (out.argmax(dim=1) == y).sum().item()
            count += len(y)
    if count == 0:
        raise ValueError("the validation batches are empty")
    return loss_sum / count, correct / count


def fit(model: nn.Module, train_batches: Iterable, val_batches: Iterable, *, epochs: int,
        optimizer: torch.optim.Optimizer, loss_fn=None, scheduler=None,
        device: torch.device | str | None = None, keep_best: bool = True, amp: bool = False,
        channels_last: bool = False, progress: bool | None = None, desc: str = "") -> History:
    """Train ``model`` for ``epochs`` epochs (``train_epoch``), validating after each
    (``evaluate``), and return its ``History``.

    ``train_batches`` and ``val_batches`` are re-iterable collections of ``(x, y)`` batches with a
    length (a DataLoader, or batches already on the device). ``loss_fn`` defaults to cross-entropy;
    ``scheduler.step()`` runs once per epoch. ``amp`` autocasts on CUDA only (``amp_dtype``). With
    ``keep_best`` the weights of the epoch with the best validation accuracy (the earliest, on a
    tie) are restored at the end. ``progress=None`` shows bars only in interactive sessions
    (see ``config.show_progress``). ``seconds`` is the wall time of the whole call;
    ``images_per_second`` counts training images over the time spent in the training passes.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    device = torch.device(device) if device is not None else config.device()
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    progress = config.show_progress() if progress is None else progress
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    dtype = amp_dtype(device, amp)
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    history, best_state = History(), None
    train_seconds, train_images = 0.0, 0
    start = time.perf_counter()
    # leave=False: a finished run's bar goes away, so a notebook that trains several models
    # does not keep a pile of finished bars (the page prints what the run measured)
    epoch_bar = tqdm(range(1, epochs + 1), desc=desc or "epochs", disable=not progress,
                     unit="epoch", leave=False)
    for epoch in epoch_bar:
        tick = _clock(device)
        loss, batch_acc, sizes = train_epoch(
            model, _bar(train_batches, f"epoch {epoch} train", progress), optimizer, loss_fn,
            device=device, dtype=dtype, scaler=scaler, channels_last=channels_last)
        train_seconds += _clock(device) - tick
        train_images += sum(sizes)
        history.train_loss.append(loss)
        history.train_acc.append(sum(a * n for a, n in zip(batch_acc, sizes, strict=True))
                                 / sum(sizes))
        history.batch_train_acc += batch_acc
        val_loss, val_acc = evaluate(model, _bar(val_batches, f"epoch {epoch} valid", progress),
                                     loss_fn, device=device, amp=amp, channels_last=channels_last)
        history.val_loss.append(val_loss)
        history.val_acc.append(val_acc)
        if history.best_epoch == 0 or val_acc > history.best_val_acc:
            history.best_epoch, history.best_val_acc = epoch, val_acc
            if keep_best:
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(val_loss)
        elif scheduler is not None:
            scheduler.step()
        epoch_bar.set_postfix(train_loss=f"{loss:.3f}", val_acc=f"{val_acc:.3f}")
    epoch_bar.close()
    if keep_best and best_state is not None:
        model.load_state_dict(best_state)
    history.seconds = time.perf_counter() - start
    history.images_per_second = train_images / train_seconds if train_seconds > 0 else 0.0
    return history


def predict(model: nn.Module, batches: Iterable, *, device: torch.device | str | None = None,
            amp: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Class probabilities (N x C, float32, CPU) and labels (N, CPU) of ``model`` on ``batches``."""
    device = torch.device(device) if device is not None else config.device()
    model.to(device).eval()
    dtype = amp_dtype(device, amp)
    probs, labels = [], []
    with torch.no_grad():
        for x, y in batches:
            with _autocast(dtype):
                out = model(x.to(device, non_blocking=True))
            probs.append(out.float().softmax(dim=1).cpu())
            labels.append(y.cpu())
    return torch.cat(probs), torch.cat(labels)


def plot_history(history: History) -> plt.Figure:
    """Loss and accuracy per epoch, training against validation, with the best epoch marked."""
    epochs = range(1, len(history.train_loss) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, train, val, name in ((ax_loss, history.train_loss, history.val_loss, "loss"),
                                 (ax_acc, history.train_acc, history.val_acc, "accuracy")):
        ax.plot(epochs, train, marker="o", markersize=3, label="training")
        ax.plot(epochs, val, marker="o", markersize=3, label="validation")
        if history.best_epoch:
            ax.axvline(history.best_epoch, color="grey", linestyle="--", linewidth=1,
                       label=f"best epoch ({history.best_epoch})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name.capitalize())
        ax.grid(alpha=0.3)
    ax_acc.legend()
    fig.tight_layout()
    return fig
