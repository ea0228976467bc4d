"""Chapter 7's exercise checkers pass the reference solutions and name what a wrong one gets
wrong."""

import torch
import torch.nn.functional as F

from imgcls.exercises.flatten import check_conv2d_by_hand, check_train_step


def train_step(model, x, y, optimizer, loss_fn):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def conv2d_by_hand(image, kernel, stride=1, padding=0):
    image = F.pad(image, (padding,) * 4)
    k = kernel.shape[0]
    side_h = (image.shape[0] - k) // stride + 1
    side_w = (image.shape[1] - k) // stride + 1
    out = torch.zeros(side_h, side_w)
    for r in range(side_h):
        for c in range(side_w):
            window = image[r * stride:r * stride + k, c * stride:c * stride + k]
            out[r, c] = (window * kernel).sum()
    return out


def test_train_step_checker(capsys):
    assert check_train_step(train_step)
    assert capsys.readouterr().out == "pass: train_step\n"


def test_train_step_checker_names_a_missing_zero_grad(capsys):
    def no_zero_grad(model, x, y, optimizer, loss_fn):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    assert not check_train_step(no_zero_grad)
    assert "zero_grad" in capsys.readouterr().out


def test_train_step_checker_names_a_missing_step_and_a_tensor_result(capsys):
    def no_step(model, x, y, optimizer, loss_fn):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        return loss.item()

    assert not check_train_step(no_step)
    assert "optimizer.step()" in capsys.readouterr().out
    assert not check_train_step(lambda *args: torch.tensor(1.0))
    assert "loss.item()" in capsys.readouterr().out


def test_train_step_checker_on_the_skeleton(capsys):
    def skeleton(model, x, y, optimizer, loss_fn):
        ...

    assert not check_train_step(skeleton)
    assert capsys.readouterr().out.startswith("not yet: train_step: train_step returned None")


def test_conv2d_checker(capsys):
    assert check_conv2d_by_hand(conv2d_by_hand)
    assert capsys.readouterr().out == "pass: conv2d_by_hand\n"


def test_conv2d_checker_names_ignored_stride_and_padding(capsys):
    assert not check_conv2d_by_hand(lambda image, kernel, stride=1, padding=0:
                                    conv2d_by_hand(image, kernel))
    out = capsys.readouterr().out
    assert "not yet" in out and "padding 1" in out and "expected" in out


def test_conv2d_checker_names_a_flipped_kernel(capsys):
    def flipped(image, kernel, stride=1, padding=0):
        return conv2d_by_hand(image, kernel.flip(0, 1), stride, padding)

    assert not check_conv2d_by_hand(flipped)
    assert "differ from F.conv2d" in capsys.readouterr().out
