"""The computer-vision tasks figure: box and mask geometry, and the four panels it draws."""

import numpy as np
from matplotlib.patches import Rectangle
from PIL import Image

from imgcls import vision_tasks


def test_to_pixels_scales_fractions_by_width_and_height():
    assert vision_tasks.to_pixels((0.25, 0.5, 0.75, 1.0), 200, 100) == (50, 50, 150, 100)


def test_polygon_mask_covers_the_inside_of_a_square_only():
    mask = vision_tasks.polygon_mask([(0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)],
                                     width=8, height=4)
    assert mask.shape == (4, 8) and mask.dtype == bool
    assert mask.sum() == 4 * 2  # columns 2..5 of rows 1..2
    assert mask[1:3, 2:6].all() and not mask[0].any() and not mask[:, :2].any()


def test_the_hand_drawn_shapes_lie_inside_the_image():
    shapes = [vision_tasks.CAT_BOX, *vision_tasks.APPLE_BOXES]
    assert all(0 <= v <= 1 for box in shapes for v in box)
    assert all(left < right and top < bottom for left, top, right, bottom in shapes)
    outline = np.asarray(vision_tasks.CAT_OUTLINE)
    assert ((outline >= 0) & (outline <= 1)).all()
    # the outline sits inside the cat's box, with a little slack for the hand
    left, top, right, bottom = vision_tasks.CAT_BOX
    assert outline[:, 0].min() >= left - 0.01 and outline[:, 0].max() <= right + 0.01
    assert outline[:, 1].min() >= top - 0.01 and outline[:, 1].max() <= bottom + 0.01


def test_plot_tasks_draws_four_panels_with_one_box_and_a_box_per_object():
    single = Image.new("RGB", (60, 40), "white")
    crowd = Image.new("RGB", (50, 30), "white")
    fig = vision_tasks.plot_tasks(single, "cat", crowd, "apple")
    axes = fig.axes
    assert len(axes) == 4
    boxes = [sum(isinstance(p, Rectangle) for p in ax.patches) for ax in axes]
    assert boxes == [0, 1, len(vision_tasks.APPLE_BOXES), 0]
    assert len(axes[3].images) == 2  # the photo and the mask over it
