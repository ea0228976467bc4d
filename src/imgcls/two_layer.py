"""A two-layer ReLU network, x -> relu(x W1 + b1) W2 + b2, with a backward pass written by hand.

The loss is softmax cross-entropy plus ``reg * (sum(W1**2) + sum(W2**2))``. ``loss_and_grads``
returns the gradients of every parameter; the tests and chapter 5 compare them with autograd.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

Params = dict[str, torch.Tensor]


def init_params(inputs: int, hidden: int, classes: int, *, seed: int = 0,
                dtype: torch.dtype = torch.float32) -> Params:
    """Weights drawn from N(0, 2 / fan_in) (He initialisation, suited to ReLU), zero biases."""
    gen = torch.Generator().manual_seed(seed)
    return {
        "W1": torch.randn(inputs, hidden, generator=gen, dtype=dtype) * (2 / inputs) ** 0.5,
        "b1": torch.zeros(hidden, dtype=dtype),
        "W2": torch.randn(hidden, classes, generator=gen, dtype=dtype) * (2 / hidden) ** 0.5,
        "b2": torch.zeros(classes, dtype=dtype),
    }


def scores(params: Params, x: torch.Tensor) -> torch.Tensor:
    """Class scores of the network for the rows of ``x``."""
    hidden = (x @ params["W1"] + params["b1"]).clamp_min(0)
    return hidden @ params["W2"] + params["b2"]


def loss(params: Params, x: torch.Tensor, y: torch.Tensor, reg: float) -> torch.Tensor:
    """The regularised cross-entropy loss alone, written with ordinary torch ops (for autograd)."""
    data = torch.nn.functional.cross_entropy(scores(params, x), y)
    return data + reg * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())


def loss_and_grads(params: Params, x: torch.Tensor, y: torch.Tensor,
                   reg: float) -> tuple[torch.Tensor, Params]:
    """Loss and the gradient of every parameter, by the chain rule applied layer by layer."""
    n, rows = len(x), torch.arange(len(x), device=x.device)
    w1, b1, w2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    # forward, keeping what the backward pass needs
    pre = x @ w1 + b1
    hidden = pre.clamp_min(0)
    out = hidden @ w2 + b2
    shifted = out - out.max(dim=1, keepdim=True).values
    log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    value = -log_p[rows, y].mean() + reg * ((w1**2).sum() + (w2**2).sum())
    # backward: scores, then layer 2, then the ReLU, then layer 1
    d_out = log_p.exp()
    d_out[rows, y] -= 1
    d_out /= n
    d_hidden = d_out @ w2.T
    d_pre = d_hidden * (pre > 0)
    grads = {
        "W1": x.T @ d_pre + 2 * reg * w1,
        "b1": d_pre.sum(dim=0),
        "W2": hidden.T @ d_out + 2 * reg * w2,
        "b2": d_out.sum(dim=0),
    }
    return value, grads


def autograd_grads(params: Params, x: torch.Tensor, y: torch.Tensor, reg: float) -> Params:
    """The same gradients as ``loss_and_grads``, computed by torch.autograd from ``loss``."""
    leaves = {k: v.detach().clone().requires_grad_() for k, v in params.items()}
    got = torch.autograd.grad(loss(leaves, x, y, reg), list(leaves.values()))
    return dict(zip(leaves, got, strict=True))


@dataclass
class History:
    """Per-step training loss and per-epoch train and validation accuracy."""

    losses: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


def accuracy(params: Params, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of ``x`` whose highest score is the true label."""
    return (scores(params, x).argmax(dim=1) == y).double().mean().item()


def train(params: Params, x: torch.Tensor, y: torch.Tensor, x_val: torch.Tensor,
          y_val: torch.Tensor, *, lr: float, reg: float, epochs: int, batch_size: int = 200,
          momentum: float = 0.9, lr_decay: float = 0.95, seed: int = 0) -> History:
    """Minibatch SGD with momentum on ``params`` (updated in place), decaying lr every epoch.

    Train accuracy is measured on a fixed random sample of at most 5,000 training rows.
    """
    gen = torch.Generator().manual_seed(seed)
    probe = torch.randperm(len(x), generator=gen)[:5000]  # train accuracy on a fixed sample
    velocity = {k: torch.zeros_like(v) for k, v in params.items()}
    history = History()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), batch_size):
            # gathering each batch's rows costs less than one shuffled copy of all of x
            batch = order[start:start + batch_size]
            xb, yb = x[batch], y[batch]
            value, grads = loss_and_grads(params, xb, yb, reg)
            for k, g in grads.items():
                velocity[k].mul_(momentum).sub_(lr * g)
                params[k] += velocity[k]
            history.losses.append(value.item())
        lr *= lr_decay
        history.train_accuracy.append(accuracy(params, x[probe], y[probe]))
        history.val_accuracy.append(accuracy(params, x_val, y_val))
    return history
