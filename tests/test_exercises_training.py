"""Chapter 9's exercise checkers pass the reference solutions and say what is wrong with
typical mistakes."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from verdicts import verdict as verdict_of

from imgcls.exercises.training import (
    check_random_shift,
    check_stop_epoch,
    check_update_running,
)


def shift_solution(images, max_shift):
    padded = F.pad(images, [max_shift] * 4)
    h, w = images.shape[-2:]
    out = torch.empty_like(images)
    for i, image in enumerate(padded):
        top, left = torch.randint(0, 2 * max_shift + 1, (2,)).tolist()
        out[i] = image[:, top:top + h, left:left + w]
    return out


def running_solution(mean, var, batch, momentum):
    batch_mean = batch.mean(dim=(0, 2, 3))
    batch_var = batch.var(dim=(0, 2, 3), unbiased=True)
    return ((1 - momentum) * mean + momentum * batch_mean,
            (1 - momentum) * var + momentum * batch_var)


def stop_solution(val_accs, patience, min_delta=0.0):
    best, best_epoch = val_accs[0], 1
    for epoch, acc in enumerate(val_accs[1:], start=2):
        if acc > best + min_delta:
            best, best_epoch = acc, epoch
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_accs), best_epoch



def test_random_shift(capsys) -> None:
    assert verdict_of(check_random_shift, shift_solution, capsys) == (True,
                                                                      "pass: random_shift\n")
    one_shift = lambda x, m: torch.roll(x, (1, 1), dims=(-2, -1))  # noqa: E731
    passed, out = verdict_of(check_random_shift, one_shift, capsys)
    assert not passed and "zeros filling in" in out and "roll" in out

    passed, out = verdict_of(check_random_shift, _batch_shift, capsys)
    assert not passed and "every image moved by the same" in out

    def exclusive(x, m):  # randint's upper bound forgotten: shifts stop at m - 1
        padded = F.pad(x, [m] * 4)
        h, w = x.shape[-2:]
        out = torch.empty_like(x)
        for i, image in enumerate(padded):
            top, left = torch.randint(0, 2 * m, (2,)).tolist()
            out[i] = image[:, top:top + h, left:left + w]
        return out

    passed, out = verdict_of(check_random_shift, exclusive, capsys)
    assert not passed and "inclusive" in out
    def skeleton(x, m):
        ...  # your code here

    passed, out = verdict_of(check_random_shift, skeleton, capsys)
    assert not passed and "returned None" in out


def _batch_shift(x, m):
    return F.pad(x, [m] * 4)[..., 1:1 + x.shape[-2], 0:x.shape[-1]]


def test_update_running(capsys) -> None:
    assert verdict_of(check_update_running, running_solution, capsys)[0]

    def biased(mean, var, batch, momentum):
        return ((1 - momentum) * mean + momentum * batch.mean(dim=(0, 2, 3)),
                (1 - momentum) * var + momentum * batch.var(dim=(0, 2, 3), unbiased=False))

    passed, out = verdict_of(check_update_running, biased, capsys)
    assert not passed and "unbiased" in out and "n - 1 = 119" in out

    def swapped(mean, var, batch, momentum):
        return running_solution(mean, var, batch, 1 - momentum)

    passed, out = verdict_of(check_update_running, swapped, capsys)
    assert not passed and "swapped" in out

    def per_image(mean, var, batch, momentum):
        return batch.mean(dim=(2, 3)), batch.var(dim=(2, 3))

    passed, out = verdict_of(check_update_running, per_image, capsys)
    assert not passed and "one statistic per channel" in out


def test_stop_epoch(capsys) -> None:
    assert verdict_of(check_stop_epoch, stop_solution, capsys) == (True, "pass: stop_epoch\n")

    def from_zero(accs, patience, min_delta=0.0):
        stop, best = stop_solution(accs, patience, min_delta)
        return stop - 1, best - 1

    passed, out = verdict_of(check_stop_epoch, from_zero, capsys)
    assert not passed and "count epochs from 1" in out

    def ties_improve(accs, patience, min_delta=0.0):
        best, best_epoch = accs[0], 1
        for epoch, acc in enumerate(accs[1:], start=2):
            if acc >= best + min_delta:
                best, best_epoch = acc, epoch
            elif epoch - best_epoch >= patience:
                return epoch, best_epoch
        return len(accs), best_epoch

    passed, out = verdict_of(check_stop_epoch, ties_improve, capsys)
    assert not passed and "a tie is not an improvement" in out

    def never_stops(accs, patience, min_delta=0.0):
        return len(accs), max(range(len(accs)), key=lambda i: (accs[i], -i)) + 1

    passed, out = verdict_of(check_stop_epoch, never_stops, capsys)
    assert not passed and "stop_epoch(" in out
