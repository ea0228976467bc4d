"""The grid figures of the convolution chapter draw every value and the outlines asked for."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from imgcls.conv_plots import number_grid  # noqa: E402


def test_number_grid_writes_every_value_and_outlines_blocks_and_window():
    fig, ax = plt.subplots()
    number_grid(ax, torch.arange(16.0).reshape(4, 4) / 2, "x", blocks=2, window=(0, 1, 3, 3))
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{v / 2:.3g}" for v in range(16))
    outlines = [(p.get_xy(), p.get_width()) for p in ax.patches]
    assert outlines == [((-0.5, -0.5), 2), ((1.5, -0.5), 2), ((-0.5, 1.5), 2), ((1.5, 1.5), 2),
                        ((0.5, -0.5), 3)]
    assert ax.get_title() == "x"
    plt.close(fig)
