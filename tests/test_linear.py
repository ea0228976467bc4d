"""Linear classifiers: hand-written gradients vs autograd, loops vs vectorised, stable softmax."""

import pytest
import torch

from imgcls import linear

LOSSES = {"svm": (linear.svm_loss_loops, linear.svm_loss),
          "softmax": (linear.softmax_loss_loops, linear.softmax_loss)}


def problem(n: int = 20, d: int = 12, c: int = 4, seed: int = 0):
    """Random float64 data, weights and labels (continuous values, so no hinge sits on its kink)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    w = 0.5 * torch.randn(d, c, generator=gen, dtype=torch.float64)
    b = 0.1 * torch.randn(c, generator=gen, dtype=torch.float64)
    return w, b, x, torch.randint(0, c, (n,), generator=gen)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_loops_and_vectorised_agree(name, reg):
    loops, vectorised = LOSSES[name]
    w, b, x, y = problem()
    loss_a, (dw_a, db_a) = loops(w, b, x, y, reg)
    loss_b, (dw_b, db_b) = vectorised(w, b, x, y, reg)
    torch.testing.assert_close(loss_a, loss_b)
    torch.testing.assert_close(dw_a, dw_b)
    torch.testing.assert_close(db_a, db_b)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_vectorised_gradients_match_autograd(name, reg):
    w, b, x, y = problem(seed=1)
    errors = linear.grad_check(LOSSES[name][1], w, b, x, y, reg)
    assert max(errors.values()) < 1e-12, errors


def test_svm_loss_of_zero_weights_is_classes_minus_one():
    w, b, x, y = problem()
    loss, _ = linear.svm_loss(torch.zeros_like(w), torch.zeros_like(b), x, y, reg=0.0)
    assert loss.item() == pytest.approx(w.shape[1] - 1)


def test_softmax_loss_of_zero_weights_is_log_classes():
    w, b, x, y = problem()
    loss, _ = linear.softmax_loss(torch.zeros_like(w), torch.zeros_like(b), x, y, reg=0.0)
    assert loss.item() == pytest.approx(torch.log(torch.tensor(4.0)).item())


def test_softmax_loss_matches_torch_cross_entropy_and_survives_huge_scores():
    w, b, x, y = problem()
    loss, _ = linear.softmax_loss(w, b, x, y, reg=0.0)
    torch.testing.assert_close(loss, torch.nn.functional.cross_entropy(x @ w + b, y))
    big, (dw, db) = linear.softmax_loss(1e4 * w, b, x, y, reg=0.0)
    assert torch.isfinite(big) and torch.isfinite(dw).all() and torch.isfinite(db).all()


def test_stable_softmax_equals_torch_softmax_and_does_not_overflow():
    scores = torch.tensor([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0]])
    p = linear.stable_softmax(scores)
    torch.testing.assert_close(p, torch.softmax(scores, dim=1))
    torch.testing.assert_close(p[0], p[1])  # shifting all scores changes nothing


def test_rel_error():
    a = torch.tensor([1.0, 2.0])
    assert linear.rel_error(a, a) == 0.0
    assert linear.rel_error(torch.zeros(2), torch.zeros(2)) == 0.0
    assert linear.rel_error(a, -a) == pytest.approx(1.0)


@pytest.mark.parametrize("name", LOSSES)
def test_sgd_learns_separable_blobs(name):
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(300) % 3
    x = 3 * torch.eye(3)[y].repeat(1, 4) + torch.randn(300, 12, generator=gen)
    model = linear.train_sgd(LOSSES[name][1], x, y, 3, lr=0.05, reg=1e-3, epochs=4,
                             batch_size=60)
    assert len(model.losses) == 20 and model.losses[-1] < model.losses[0]
    assert (model.predict(x) == y).double().mean() > 0.95


def test_preprocess_centres_with_the_training_mean():
    images = torch.randint(0, 256, (6, 3, 4, 4), dtype=torch.uint8)
    rows, mean = linear.preprocess(images)
    assert rows.shape == (6, 48) and rows.dtype == torch.float32
    torch.testing.assert_close(rows.mean(0), torch.zeros(48), atol=1e-6, rtol=0)
    other, same = linear.preprocess(images[:2], mean)
    assert same is mean
    torch.testing.assert_close(other, rows[:2])


def test_templates_are_images_in_unit_range():
    w = torch.randn(3 * 8 * 8, 4)
    t = linear.templates(w, (3, 8, 8))
    assert t.shape == (4, 3, 8, 8)
    assert t.amin().item() == 0.0 and t.amax().item() == 1.0
    torch.testing.assert_close(t[2].flatten().argmax(), w[:, 2].argmax())
