"""Learning by gradient descent: a toy quadratic fit and a linear 3-vs-7 classifier on pixels.

Both use the same seven steps: initialise, predict, loss, gradient, step, repeat, stop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

# A loss of (scores, targets), averaged over images.
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# --- the toy problem: speed over time -------------------------------------------------------

def speed_data(n: int = 20, noise: float = 2.0, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy speeds (m/s) of a cart rolling over a hump, read every 0.15 s for ``n`` readings.

    Time is in seconds from the middle of the recording, so it runs from about -1.5 to 1.5;
    the true curve is a parabola in time, and the noise makes an exact fit impossible.
    """
    g = torch.Generator().manual_seed(seed)
    t = (torch.arange(n, dtype=torch.float32) - n / 2) * 0.15
    speed = 30.0 * (t - 0.2) ** 2 + 3.0 + noise * torch.randn(n, generator=g)
    return t, speed


def quadratic(t: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
    """The model a*t**2 + b*t + c for params = (a, b, c)."""
    a, b, c = params
    return a * t**2 + b * t + c


def mse(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error: the loss both the toy fit and its tests use."""
    return ((predictions - targets) ** 2).mean()


@dataclass
class Fit:
    """What a run of gradient descent went through: the loss and the parameters at every step."""

    losses: list[float] = field(default_factory=list)
    params: list[torch.Tensor] = field(default_factory=list)


def fit_quadratic(t: torch.Tensor, speed: torch.Tensor, init: torch.Tensor, lr: float,
                  steps: int) -> Fit:
    """Fit ``quadratic`` to (t, speed) by plain gradient descent with autograd, from ``init``.

    The cycle chapter 3 takes one step at a time on its page, repeated ``steps`` times.
    """
    params = init.clone().requires_grad_()          # 1. initialise
    fit = Fit()
    for _ in range(steps):                          # 6. repeat ...
        loss = mse(quadratic(t, params), speed)     # 2. predict, 3. loss
        loss.backward()                             # 4. gradient
        fit.losses.append(loss.item())
        fit.params.append(params.detach().clone())
        with torch.no_grad():                       # 5. step
            params -= lr * params.grad
        params.grad = None
    fit.losses.append(mse(quadratic(t, params.detach()), speed).item())
    fit.params.append(params.detach().clone())
    return fit                                      # 7. stop after ``steps`` steps


# --- a linear model on the pixels of 3s and 7s ---------------------------------------------

def stack_pairs(threes: torch.Tensor, sevens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Flatten images to rows of pixels, 3s first; targets are 1 for a 3 and 0 for a 7 (N x 1)."""
    x = torch.cat([threes, sevens]).reshape(len(threes) + len(sevens), -1)
    y = torch.cat([torch.ones(len(threes)), torch.zeros(len(sevens))]).unsqueeze(1)
    return x, y


def init_params(shape: tuple[int, ...], std: float = 1.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Random normal parameters that autograd tracks."""
    return (torch.randn(shape, generator=generator) * std).requires_grad_()


def linear(x: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """One score per image: pixels @ weights + bias (N x 1)."""
    return x @ weights + bias


def pixel_loss(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """How far the sigmoid of each score is from its target (1 for a 3, 0 for a 7), averaged.

    Unlike accuracy, it changes a little whenever a weight changes a little, so it has a
    useful gradient.
    """
    p = scores.sigmoid()
    return torch.where(targets == 1, 1 - p, p).mean()


def log_loss(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The log loss -log p for 3s and -log(1 - p) for 7s, with p = sigmoid(score), averaged.

    Its gradient for a score stays near 1 on a confident mistake, where ``pixel_loss``'s vanishes.
    """
    return F.binary_cross_entropy_with_logits(scores, targets)


def per_image_gradients(loss: Loss, scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """d loss_i / d score_i for every image, by autograd: how hard the loss pulls on each score.

    ``loss`` averages over images, so its gradient for one score is the per-image one over N.
    """
    scores = scores.detach().requires_grad_()
    (grad,) = torch.autograd.grad(loss(scores, targets) * len(scores), scores)
    return grad


def batch_accuracy(scores: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of images whose score has the right sign (positive means "a 3")."""
    return ((scores > 0).float() == targets).float().mean().item()


def pixel_loss_gradients(x: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor,
                         bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient of ``pixel_loss(linear(x, w, b), targets)`` for w and b, by hand.

    With p = sigmoid(s), dp/ds = p (1 - p); the loss is the mean of (1 - p) for 3s and p for
    7s, so d loss / d s_i = (1 - 2 y_i) p_i (1 - p_i) / N, and the chain rule through
    s = x @ w + b gives x^T @ that for w and its sum for b.
    """
    with torch.no_grad():
        p = linear(x, weights, bias).sigmoid()
        d_scores = (1 - 2 * targets) * p * (1 - p) / len(x)
        return x.T @ d_scores, d_scores.sum().reshape(bias.shape)


def minibatches(x: torch.Tensor, y: torch.Tensor, batch_size: int,
                generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, ...]]:
    """(x, y) in shuffled mini-batches of ``batch_size`` (the last may be smaller)."""
    order = torch.randperm(len(x), generator=generator).to(x.device)
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        yield x[index], y[index]


def sgd_step(params: list[torch.Tensor], lr: float) -> None:
    """Move every parameter against its gradient, then clear the gradient for the next batch."""
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


@dataclass
class LinearRun:
    """A trained linear model, the weights it started from, and validation accuracy per epoch.

    ``history[0]`` is the untrained model's accuracy, ``history[k]`` the one after epoch k.
    """

    weights: torch.Tensor
    bias: torch.Tensor
    initial_weights: torch.Tensor
    initial_bias: torch.Tensor
    history: list[float]


def train_linear(x: torch.Tensor, y: torch.Tensor, x_valid: torch.Tensor, y_valid: torch.Tensor,
                 epochs: int, lr: float, batch_size: int, seed: int = 0,
                 loss: Loss = pixel_loss, init_std: float = 1.0) -> LinearRun:
    """Train ``linear`` on ``loss(scores, targets)`` by mini-batch SGD from random weights.

    The training loop chapter 3 writes out on its page, as a function for its exercises.

    The weights and bias start normal with standard deviation ``init_std`` (0: all zeros).
    """
    g = torch.Generator().manual_seed(seed)
    weights = init_params((x.shape[1], 1), std=init_std, generator=g)
    bias = init_params((1,), std=init_std, generator=g)
    weights = weights.to(x.device).detach().requires_grad_()
    bias = bias.to(x.device).detach().requires_grad_()
    initial_weights, initial_bias = weights.detach().clone(), bias.detach().clone()

    def valid_accuracy() -> float:
        with torch.no_grad():
            return batch_accuracy(linear(x_valid, weights, bias), y_valid)

    history = [valid_accuracy()]
    for _ in range(epochs):
        for xb, yb in minibatches(x, y, batch_size, generator=g):
            loss(linear(xb, weights, bias), yb).backward()
            sgd_step([weights, bias], lr)
        history.append(valid_accuracy())
    return LinearRun(weights.detach(), bias.detach(), initial_weights, initial_bias, history)
