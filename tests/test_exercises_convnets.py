"""Chapter 8's exercise checkers pass the reference solutions and name what a wrong one gets
wrong."""

import torch
from torch import nn

from imgcls.exercises.convnets import MLP_PARAMETERS, check_max_pool2x2, check_same_size_mlp


def same_size_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 140), nn.ReLU(), nn.Linear(140, 24))


def max_pool2x2(x):
    n, c, h, w = x.shape
    x = x[:, :, :h // 2 * 2, :w // 2 * 2]
    return x.reshape(n, c, h // 2, 2, w // 2, 2).amax(dim=(3, 5))


def test_mlp_checker(capsys):
    assert MLP_PARAMETERS == 113_284
    assert check_same_size_mlp(same_size_mlp)
    assert capsys.readouterr().out == "pass: same_size_mlp\n"


def test_mlp_checker_names_what_is_wrong(capsys):
    assert not check_same_size_mlp(
        lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 140), nn.Linear(140, 24)))
    assert "no ReLU" in capsys.readouterr().out
    assert not check_same_size_mlp(
        lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 24)))
    assert "expected 113,284" in capsys.readouterr().out
    assert not check_same_size_mlp(
        lambda: nn.Sequential(nn.Linear(784, 140), nn.ReLU(), nn.Linear(140, 24)))
    assert "your code raised RuntimeError" in capsys.readouterr().out
    assert not check_same_size_mlp(lambda: None)
    assert "returned None" in capsys.readouterr().out


def test_max_pool_checker(capsys):
    assert check_max_pool2x2(max_pool2x2)
    assert capsys.readouterr().out == "pass: max_pool2x2\n"


def test_max_pool_checker_names_what_is_wrong(capsys):
    def average(x):
        return torch.nn.functional.avg_pool2d(x, 2)

    assert not check_max_pool2x2(average)
    assert "largest of its 2 x 2 block" in capsys.readouterr().out

    def keeps_odd_edges(x):
        return torch.nn.functional.max_pool2d(x, 2, ceil_mode=True)

    assert not check_max_pool2x2(keeps_odd_edges)
    assert "odd last row" in capsys.readouterr().out
