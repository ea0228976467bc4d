"""The grid figures of the convolution chapter draw every value and the outlines asked for."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from imgcls.conv_plots import number_grid, receptive_field_squares  # noqa: E402


def test_number_grid_writes_every_value_and_outlines_blocks_and_window():
    fig, ax = plt.subplots()
    number_grid(ax, torch.arange(16.0).reshape(4, 4) / 2, "x", blocks=2, window=(0, 1, 3, 3))
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{v / 2:.3g}" for v in range(16))
    outlines = [(p.get_xy(), p.get_width()) for p in ax.patches]
    assert outlines == [((-0.5, -0.5), 2), ((1.5, -0.5), 2), ((-0.5, 1.5), 2), ((1.5, 1.5), 2),
                        ((0.5, -0.5), 3)]
    assert ax.get_title() == "x"
    plt.close(fig)


def test_receptive_field_squares_are_centred_and_labelled():
    fields = [("0: Conv2d", 3, 1), ("2: MaxPool2d", 4, 2)]
    fig = receptive_field_squares(torch.zeros(28, 28), fields, centre=14)
    ax = fig.axes[0]
    squares = [(p.get_xy(), p.get_width(), p.get_label()) for p in ax.patches]
    assert squares == [((12.0, 12.0), 3, "0: Conv2d: 3 px"),
                       ((11.5, 11.5), 4, "2: MaxPool2d: 4 px")]
    plt.close(fig)
