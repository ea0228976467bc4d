"""The two-layer ReLU network: hand-written backward pass vs autograd, and training that learns."""

import pytest
import torch

from imgcls import two_layer


def problem(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(25, 16, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (25,), generator=gen)
    params = two_layer.init_params(16, 10, 4, seed=seed, dtype=torch.float64)
    params["b1"] += 0.1 * torch.randn(10, generator=gen, dtype=torch.float64)
    params["b2"] += 0.1 * torch.randn(4, generator=gen, dtype=torch.float64)
    return params, x, y


@pytest.mark.parametrize("reg", [0.0, 0.01])
def test_hand_written_gradients_match_autograd(reg):
    params, x, y = problem()
    value, grads = two_layer.loss_and_grads(params, x, y, reg)
    torch.testing.assert_close(value, two_layer.loss(params, x, y, reg))
    auto = two_layer.autograd_grads(params, x, y, reg)
    assert set(grads) == set(auto) == {"W1", "b1", "W2", "b2"}
    for name in grads:
        torch.testing.assert_close(grads[name], auto[name], rtol=1e-10, atol=1e-12, msg=name)


def test_gradient_matches_a_finite_difference():
    params, x, y = problem(seed=1)
    _, grads = two_layer.loss_and_grads(params, x, y, 0.01)
    h = 1e-6
    for name, index in (("W1", (3, 2)), ("b1", (4,)), ("W2", (1, 3)), ("b2", (0,))):
        up = {k: v.clone() for k, v in params.items()}
        down = {k: v.clone() for k, v in params.items()}
        up[name][index] += h
        down[name][index] -= h
        numeric = (two_layer.loss(up, x, y, 0.01) - two_layer.loss(down, x, y, 0.01)) / (2 * h)
        assert grads[name][index].item() == pytest.approx(numeric.item(), rel=1e-5, abs=1e-8)


def test_initial_loss_is_about_log_classes():
    gen = torch.Generator().manual_seed(0)
    x = 0.01 * torch.randn(200, 50, generator=gen)
    params = two_layer.init_params(50, 20, 10)
    value, _ = two_layer.loss_and_grads(params, x, torch.arange(200) % 10, 0.0)
    assert value.item() == pytest.approx(torch.log(torch.tensor(10.0)).item(), abs=0.05)


def test_training_learns_a_nonlinear_problem():
    # labels from the quadrant of the first two coordinates: XOR-like, not linearly separable
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(500, 4, generator=gen)
    y = (x[:, 0] > 0).long() ^ (x[:, 1] > 0).long()
    params = two_layer.init_params(4, 32, 2, seed=0)
    history = two_layer.train(params, x[:400], y[:400], x[400:], y[400:], lr=0.1, reg=1e-4,
                              epochs=12, batch_size=100)
    assert len(history.losses) == 48 and len(history.val_accuracy) == 12
    assert history.losses[-1] < history.losses[0]
    assert history.val_accuracy[-1] > 0.9
