"""A one-hidden-layer network in PyTorch, set up like scikit-learn's ``MLPClassifier`` (ReLU,
softmax output, Adam, minibatches of 200), so that chapter 6 can compare the two side by side."""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch
from torch import nn


def build(inputs: int, hidden: int, classes: int, seed: int = 0) -> nn.Sequential:
    """Linear -> ReLU -> Linear, returning class scores (softmax is inside the loss)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def fit(x: np.ndarray, y: np.ndarray, *, hidden: int = 100, epochs: int = 200,
        lr: float = 1e-3, batch_size: int = 200, weight_decay: float = 1e-4,
        seed: int = 0) -> nn.Sequential:
    """Train a fresh network on ``x`` (n x d floats) and integer labels ``y`` with Adam."""
    xs = torch.as_tensor(x, dtype=torch.float32)
    ys = torch.as_tensor(y, dtype=torch.long)
    if xs.ndim != 2 or len(xs) != len(ys):
        raise ValueError(f"expected x of shape (n, d) and y of length n, got {tuple(xs.shape)} "
                         f"and {tuple(ys.shape)}")
    model = build(xs.shape[1], hidden, int(ys.max()) + 1, seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for batch in torch.randperm(len(xs), generator=gen).split(batch_size):
            opt.zero_grad()
            loss_fn(model(xs[batch]), ys[batch]).backward()
            opt.step()
    return model


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """The highest-scoring class for each row of ``x``."""
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float32)).argmax(dim=1).numpy()


def side_by_side(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                 y_test: np.ndarray, *, hidden: int = 100, epochs: int = 100,
                 seed: int = 0) -> dict[str, dict[str, float]]:
    """Fit ``MLPClassifier`` and this module's network with the same layers, optimiser, batch size
    and number of epochs; return each one's fit time in seconds and test accuracy.

    Both stop after exactly ``epochs`` passes, so scikit-learn's "not converged" warning is
    expected and silenced.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    rows = {}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=epochs, n_iter_no_change=epochs,
                           random_state=seed).fit(x_train, y_train)
    rows["scikit-learn MLPClassifier"] = {
        "fit seconds": time.perf_counter() - start,
        "test accuracy": float((sk.predict(x_test) == y_test).mean())}
    start = time.perf_counter()
    net = fit(x_train, y_train, hidden=hidden, epochs=epochs, seed=seed)
    rows["PyTorch nn.Sequential"] = {
        "fit seconds": time.perf_counter() - start,
        "test accuracy": float((predict(net, x_test) == y_test).mean())}
    return rows
