"""The shared training loop: history bookkeeping, best-epoch weights, scheduler, predictions."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from imgcls import config  # noqa: E402
from imgcls.train import (  # noqa: E402
    History,
    TensorBatches,
    amp_dtype,
    evaluate,
    fit,
    plot_history,
    predict,
    train_epoch,
)


def blobs(n: int, seed: int) -> TensorDataset:
    """Three well separated Gaussian blobs in 2-D, a problem a linear layer solves."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    centres = torch.tensor([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]])
    x = centres[y] + torch.randn(n, 2, generator=gen)
    return TensorDataset(x, y)


@pytest.fixture
def loaders():
    torch.manual_seed(0)
    train = DataLoader(blobs(96, 1), batch_size=16, shuffle=True)
    val = DataLoader(blobs(60, 2), batch_size=32)
    return train, val


def accuracy_of(model, batches) -> float:
    probs, labels = predict(model, batches, device="cpu")
    return (probs.argmax(1) == labels).float().mean().item()


def test_fit_learns_and_fills_history(loaders):
    train, val = loaders
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, train, val, epochs=4, optimizer=opt, device="cpu", progress=False)
    assert isinstance(h, History)
    for series in (h.train_loss, h.train_acc, h.val_loss, h.val_acc):
        assert len(series) == 4
    assert len(h.batch_train_acc) == 4 * len(train)
    assert h.train_loss[-1] < h.train_loss[0]
    assert h.best_val_acc == max(h.val_acc) > 0.9
    assert h.val_acc[h.best_epoch - 1] == h.best_val_acc
    assert h.seconds > 0 and h.images_per_second > 0


def test_epoch_accuracy_is_mean_of_batch_accuracies_weighted_by_size(loaders):
    train, val = loaders
    model = nn.Linear(2, 3)
    h = fit(model, train, val, epochs=2, optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
            device="cpu", progress=False)
    sizes = [len(y) for _, y in train]
    n = len(train)
    for epoch in range(2):
        accs = h.batch_train_acc[epoch * n:(epoch + 1) * n]
        weighted = sum(a * s for a, s in zip(accs, sizes, strict=True)) / sum(sizes)
        assert weighted == pytest.approx(h.train_acc[epoch])


def test_validation_figures_match_an_independent_evaluation(loaders):
    train, val = loaders
    model = nn.Linear(2, 3)
    h = fit(model, train, val, epochs=1, optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
            device="cpu", progress=False)
    x, y = val.dataset.tensors
    with torch.no_grad():
        out = model(x)
    assert h.val_loss[0] == pytest.approx(nn.functional.cross_entropy(out, y).item(), rel=1e-5)
    assert h.val_acc[0] == pytest.approx((out.argmax(1) == y).float().mean().item())


def test_keep_best_restores_the_best_epoch_weights(loaders):
    train, val = loaders
    torch.manual_seed(0)
    model = nn.Linear(2, 3)
    # After two epochs the learning rate turns negative: gradient ascent ruins the model.
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 if e < 2 else -20.0)
    h = fit(model, train, val, epochs=5, optimizer=opt, scheduler=sched, device="cpu",
            progress=False)
    assert h.val_acc[-1] < h.best_val_acc, "the set-up should make the last epoch worse"
    assert accuracy_of(model, val) == pytest.approx(h.best_val_acc)


def test_keep_best_false_keeps_the_last_weights(loaders):
    train, val = loaders
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 if e < 2 else -20.0)
    h = fit(model, train, val, epochs=5, optimizer=opt, scheduler=sched, device="cpu",
            keep_best=False, progress=False)
    assert h.val_acc[-1] < h.best_val_acc
    assert accuracy_of(model, val) == pytest.approx(h.val_acc[-1])


def test_scheduler_steps_once_per_epoch(loaders):
    train, val = loaders
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, train, val, epochs=3, optimizer=opt, scheduler=sched, device="cpu",
        progress=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.125)


def test_fit_is_deterministic_with_a_seed(loaders):
    train, val = loaders
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        model = nn.Linear(2, 3)
        h = fit(model, train, val, epochs=2, device="cpu", progress=False,
                optimizer=torch.optim.SGD(model.parameters(), lr=0.05))
        runs.append(h.train_loss)
    assert runs[0] == runs[1]


def test_amp_is_ignored_on_cpu_and_plain_lists_of_batches_work():
    data = blobs(48, 4)
    batches = [(data.tensors[0][i:i + 16], data.tensors[1][i:i + 16]) for i in range(0, 48, 16)]
    model = nn.Linear(2, 3)
    h = fit(model, batches, batches, epochs=2, device="cpu", amp=True, channels_last=True,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), progress=False)
    assert len(h.batch_train_acc) == 6


@pytest.mark.parametrize("native, emulated, expected", [
    (True, True, torch.bfloat16),  # A100, H100: bf16 in hardware
    (False, True, torch.float16),  # T4 (Colab's free GPU): bf16 only emulated
    (False, False, torch.float16),
])
def test_amp_uses_bf16_only_where_the_gpu_has_it_natively(monkeypatch, native, emulated,
                                                          expected):
    def is_bf16_supported(including_emulation: bool = True) -> bool:
        return emulated if including_emulation else native

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", is_bf16_supported)
    assert amp_dtype(torch.device("cuda"), amp=True) == expected
    assert amp_dtype(torch.device("cuda"), amp=False) is None
    assert amp_dtype(torch.device("cpu"), amp=True) is None


def test_predict_gives_probabilities_and_labels(loaders):
    _, val = loaders
    probs, labels = predict(nn.Linear(2, 3), val, device="cpu")
    assert probs.shape == (60, 3) and probs.dtype == torch.float32
    assert torch.allclose(probs.sum(1), torch.ones(60))
    assert torch.equal(labels, val.dataset.tensors[1])


def test_plot_history_draws_loss_and_accuracy():
    h = History(train_loss=[1.0, 0.5], train_acc=[0.5, 0.8], val_loss=[1.1, 0.7],
                val_acc=[0.4, 0.7], best_epoch=2, best_val_acc=0.7)
    fig = plot_history(h)
    assert len(fig.axes) == 2
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    plt.close(fig)


def test_progress_follows_the_environment(monkeypatch):
    monkeypatch.setenv("IMGCLS_PROGRESS", "0")
    assert config.show_progress() is False
    monkeypatch.setenv("IMGCLS_PROGRESS", "on")
    assert config.show_progress() is True


def test_empty_batches_are_an_error():
    model = nn.Linear(2, 3)
    with pytest.raises(ValueError, match="empty"):
        fit(model, [], [], epochs=1, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            device="cpu", progress=False)


def test_tensor_batches_cover_every_example_once_per_pass():
    x, y = torch.arange(10.0).unsqueeze(1), torch.arange(10)
    batches = TensorBatches(x, y, 4, shuffle=True, seed=1, device="cpu")
    assert len(batches) == 3
    passes = [torch.cat([b for _, b in batches]) for _ in range(2)]
    for seen in passes:
        assert sorted(seen.tolist()) == list(range(10))
    assert not torch.equal(passes[0], passes[1]), "each pass should be reshuffled"
    xs, ys = zip(*TensorBatches(x, y, 4, device="cpu"), strict=True)
    assert torch.equal(torch.cat(ys), y) and torch.equal(torch.cat(xs)[:, 0].long(), y)


def test_train_epoch_is_the_hand_written_loop(loaders):
    train, _ = loaders
    torch.manual_seed(5)
    by_hand, core = nn.Linear(2, 3), nn.Linear(2, 3)
    core.load_state_dict(by_hand.state_dict())
    batches = list(train)
    opt = torch.optim.SGD(by_hand.parameters(), lr=0.1)
    losses = []
    for x, y in batches:
        loss = nn.functional.cross_entropy(by_hand(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item() * len(y))
    mean_loss, accs, sizes = train_epoch(core, batches, torch.optim.SGD(core.parameters(), lr=0.1),
                                         nn.CrossEntropyLoss(), device=torch.device("cpu"))
    assert mean_loss == pytest.approx(sum(losses) / 96)
    assert sizes == [len(y) for _, y in batches] and len(accs) == len(batches)
    for a, b in zip(by_hand.parameters(), core.parameters(), strict=True):
        assert torch.allclose(a, b)


class ModeSpy(nn.Module):
    """A linear layer that records, at each call, its mode and whether gradients are on."""

    def __init__(self):
        super().__init__()
        self.linear, self.seen = nn.Linear(2, 3), []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.linear(x)


def test_evaluate_runs_in_eval_mode_without_gradients_and_weights_by_batch_size():
    data = blobs(50, 6)
    x, y = data.tensors
    batches = [(x[:40], y[:40]), (x[40:], y[40:])]  # uneven batches
    model = ModeSpy()
    loss, acc = evaluate(model, batches, device="cpu")
    assert model.seen == [(False, False), (False, False)]
    with torch.no_grad():
        out = model.linear(x)
    assert loss == pytest.approx(nn.functional.cross_entropy(out, y).item(), rel=1e-5)
    assert acc == pytest.approx((out.argmax(1) == y).float().mean().item())
