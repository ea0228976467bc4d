"""Linear classifiers f(x) = xW + b: hinge and softmax losses with hand-written gradients, SGD.

Rows of ``x`` (N x D) are examples, ``w`` is D x C and ``b`` has C entries, so the scores are
``x @ w + b`` (N x C). Every loss function returns ``(loss, (dw, db))`` where the loss is the mean
data loss plus ``reg * sum(w**2)`` (the bias is not regularised). The ``_loops`` versions spell the
definition out example by example; the vectorised ones must agree with them and with autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

Grads = tuple[torch.Tensor, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, float],
                  tuple[torch.Tensor, Grads]]


def preprocess(images: torch.Tensor,
               mean: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Images as float rows in [0, 1] minus the mean training image (computed if ``mean`` is None).

    Centring matters for a linear model: with all-positive inputs, one example's gradient for a
    class's row of weights is a number times the image, so all its entries share one sign and
    updates zig-zag; and the mean image's share of every score biases a fresh model towards one
    class. Centred, the scores of a fresh model start near zero for every class.
    """
    rows = images.reshape(len(images), -1).float() / 255
    mean = rows.mean(dim=0) if mean is None else mean
    return rows - mean, mean


def stable_softmax(scores: torch.Tensor) -> torch.Tensor:
    """Row-wise softmax computed after subtracting each row's maximum, so exp never overflows."""
    shifted = scores - scores.max(dim=1, keepdim=True).values
    e = shifted.exp()
    return e / e.sum(dim=1, keepdim=True)


def svm_loss_loops(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                   reg: float, delta: float = 1.0) -> tuple[torch.Tensor, Grads]:
    """Multiclass hinge loss and its gradient, one example and one class at a time."""
    dw, db = torch.zeros_like(w), torch.zeros_like(b)
    loss = torch.zeros((), dtype=w.dtype)
    n = len(x)
    for i in range(n):
        scores = x[i] @ w + b
        for j in range(w.shape[1]):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + delta
            if margin > 0:
                loss += margin
                dw[:, j] += x[i]
                dw[:, y[i]] -= x[i]
                db[j] += 1
                db[y[i]] -= 1
    return loss / n + reg * (w**2).sum(), (dw / n + 2 * reg * w, db / n)


def svm_loss(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
             reg: float, delta: float = 1.0) -> tuple[torch.Tensor, Grads]:
    """Multiclass hinge loss and its gradient, vectorised over the whole batch."""
    n, rows = len(x), torch.arange(len(x), device=x.device)
    scores = x @ w + b
    margins = (scores - scores[rows, y].unsqueeze(1) + delta).clamp_min(0)
    margins[rows, y] = 0
    loss = margins.sum() / n + reg * (w**2).sum()
    # each violated margin pushes its class score up and the true class score down
    coeff = (margins > 0).to(x.dtype)
    coeff[rows, y] = -coeff.sum(dim=1)
    coeff /= n
    # (coeff.T @ x).T equals x.T @ coeff; for a narrow coeff (C columns) it runs several times
    # faster on CPU, because the long dimension is then contiguous in memory for the product
    return loss, ((coeff.T @ x).T + 2 * reg * w, coeff.sum(dim=0))


def softmax_loss_loops(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                       reg: float) -> tuple[torch.Tensor, Grads]:
    """Softmax cross-entropy and its gradient, one example at a time."""
    dw, db = torch.zeros_like(w), torch.zeros_like(b)
    loss = torch.zeros((), dtype=w.dtype)
    n = len(x)
    for i in range(n):
        scores = x[i] @ w + b
        scores = scores - scores.max()
        p = scores.exp() / scores.exp().sum()
        loss -= torch.log(p[y[i]])
        p[y[i]] -= 1  # d loss_i / d scores = p - onehot(y_i)
        dw += torch.outer(x[i], p)
        db += p
    return loss / n + reg * (w**2).sum(), (dw / n + 2 * reg * w, db / n)


def softmax_loss(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                 reg: float) -> tuple[torch.Tensor, Grads]:
    """Softmax cross-entropy and its gradient, vectorised; log-probabilities via log-sum-exp."""
    n, rows = len(x), torch.arange(len(x), device=x.device)
    scores = x @ w + b
    shifted = scores - scores.max(dim=1, keepdim=True).values
    log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    loss = -log_p[rows, y].mean() + reg * (w**2).sum()
    dscores = log_p.exp()
    dscores[rows, y] -= 1
    dscores /= n
    return loss, ((dscores.T @ x).T + 2 * reg * w, dscores.sum(dim=0))  # = x.T @ dscores


def rel_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """Relative difference ||a - b|| / (||a|| + ||b||) between two gradients (0 when both are 0)."""
    scale = (a.norm() + b.norm()).item()
    return (a - b).norm().item() / scale if scale > 0 else 0.0


def autograd_grads(loss_fn: LossFn, w: torch.Tensor, b: torch.Tensor, x: torch.Tensor,
                   y: torch.Tensor, reg: float) -> Grads:
    """The gradient of ``loss_fn``'s loss with respect to (w, b), computed by torch.autograd."""
    w, b = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    loss, _ = loss_fn(w, b, x, y, reg)
    dw, db = torch.autograd.grad(loss, (w, b))
    return dw, db


def grad_check(loss_fn: LossFn, w: torch.Tensor, b: torch.Tensor, x: torch.Tensor,
               y: torch.Tensor, reg: float) -> dict[str, float]:
    """Relative errors of the hand-written gradients against autograd, per parameter."""
    _, (dw, db) = loss_fn(w, b, x, y, reg)
    auto_dw, auto_db = autograd_grads(loss_fn, w, b, x, y, reg)
    return {"W": rel_error(dw, auto_dw), "b": rel_error(db, auto_db)}


@dataclass
class LinearModel:
    """Weights, bias and the per-step training loss of a linear classifier."""

    w: torch.Tensor
    b: torch.Tensor
    losses: list[float] = field(default_factory=list)

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores x @ w + b."""
        return x @ self.w + self.b

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The highest-scoring class per row."""
        return self.scores(x).argmax(dim=1)


def train_sgd(loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor, num_classes: int, *,
              lr: float, reg: float, epochs: int, batch_size: int = 200, lr_decay: float = 1.0,
              seed: int = 0) -> LinearModel:
    """Minibatch SGD from small random weights; the learning rate is multiplied by ``lr_decay``
    after every epoch."""
    gen = torch.Generator().manual_seed(seed)
    w = 1e-3 * torch.randn(x.shape[1], num_classes, generator=gen, dtype=x.dtype)
    model = LinearModel(w.to(x.device), torch.zeros(num_classes, dtype=x.dtype, device=x.device))
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), batch_size):
            # gathering each batch's rows costs less than one shuffled copy of all of x
            batch = order[start:start + batch_size]
            xb, yb = x[batch], y[batch]
            loss, (dw, db) = loss_fn(model.w, model.b, xb, yb, reg)
            model.w -= lr * dw
            model.b -= lr * db
            model.losses.append(loss.item())
        lr *= lr_decay
    return model


def templates(w: torch.Tensor, shape: tuple[int, ...] = (3, 32, 32)) -> torch.Tensor:
    """Each class's weight column as an image, min-max scaled to [0, 1] for display."""
    images = w.T.reshape(w.shape[1], *shape)
    low = images.amin(dim=tuple(range(1, images.ndim)), keepdim=True)
    high = images.amax(dim=tuple(range(1, images.ndim)), keepdim=True)
    return (images - low) / (high - low)
