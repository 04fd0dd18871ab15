"""Diagrams drawn with matplotlib when the documentation is built.

:func:`write_input_shapes` draws the array layouts sknets accepts (the
contract page, "Input shapes"), one panel per layout, each with the estimators that
take it.  Those estimators are data (:data:`PANELS`), which
``tests/test_docs.py`` checks against ``sknets.__all__`` and the estimators'
input adapters, so the figure cannot go stale silently.
"""

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib.style
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

__all__ = ["PANELS", "Panel", "short_names", "write_input_shapes"]

# Light fills with a darker edge of the same hue; one hue per kind of value.
_BLUE = ("#dbe8f7", "#5d81b0")
_ORANGE = ("#fde3c8", "#c4873f")
_GREEN = ("#d7efdc", "#4f9563")
_PURPLE = ("#e7def4", "#7f66ad")
_RED = ("#f9d9d7", "#b5615b")
_PADDING = ("#f0f0f0", "#a9a9a9")
_INK = "#1f2933"
_SHAPE_INK = "#24528a"
_LABEL_INK = "#52606d"
_PANEL_FACE = "#f8fafc"
_PANEL_EDGE = "#d3dae3"

_TITLE_SIZE = 13
_SHAPE_SIZE = 11.5
_LABEL_SIZE = 10
_USED_BY_SIZE = 10.5

_SUFFIXES = ("Classifier", "Regressor", "Transformer", "Generator")


@dataclass(frozen=True)
class Panel:
    """One array layout of the input-shape diagram.

    Parameters
    ----------
    key : str
        A name for the layout that does not change with the wording.
    title : str
        What the data are.
    shape : str
        The array's shape, as code.
    estimators : tuple of str
        Class names, from ``sknets.__all__``, of the estimators that take it.
    draw : callable
        ``draw(ax, left, bottom, width, height)`` draws the array in that box
        (inches, the axes' data units).
    lead : str, default="used by"
        The words before the estimators' names.
    """

    key: str
    title: str
    shape: str
    estimators: tuple
    draw: object
    lead: str = "used by"


def short_names(estimators):
    """Estimator names without their kind, each once, in order.

    Parameters
    ----------
    estimators : iterable of str
        Class names such as ``"CNNClassifier"``.

    Returns
    -------
    names : list of str
        ``["CNN"]`` for ``["CNNClassifier", "CNNRegressor"]``.
    """
    names = []
    for estimator in estimators:
        name = next(
            (estimator[: -len(suffix)] for suffix in _SUFFIXES if estimator.endswith(suffix)),
            estimator,
        )
        if name not in names:
            names.append(name)
    return names


# -- Drawing primitives (inch coordinates) ----------------------------------


def _cell(ax, x, y, size, colours, text=None, hatch=None, text_colour=_INK, width=None):
    face, edge = colours
    ax.add_patch(
        Rectangle(
            (x, y), width or size, size, facecolor=face, edgecolor=edge, linewidth=0.8, hatch=hatch
        )
    )
    if text is not None:
        ax.text(
            x + (width or size) / 2,
            y + size / 2,
            text,
            ha="center",
            va="center",
            fontsize=_LABEL_SIZE - 1.5,
            color=text_colour,
            family="monospace",
        )


def _table(ax, x, top, n_rows, n_cols, size, colours_of=None, text_of=None, hatch_of=None):
    """A grid of cells whose top-left corner is (x, top); returns its bottom."""
    for row in range(n_rows):
        for col in range(n_cols):
            colours = colours_of(row, col) if colours_of else _BLUE
            if colours is None:
                continue
            _cell(
                ax,
                x + col * size,
                top - (row + 1) * size,
                size,
                colours,
                text=text_of(row, col) if text_of else None,
                hatch=hatch_of(row, col) if hatch_of else None,
                text_colour=colours[1] if colours == _PADDING else _INK,
            )
    return top - n_rows * size


def _plane(ax, x, y, width, height, n_rows, n_cols, colours, shades=None, zorder=1):
    """A (height x width) grid of pixels seen from the front; ``shades`` darkens pixels."""
    face, edge = colours
    ax.add_patch(
        Rectangle((x, y), width, height, facecolor=face, edgecolor=edge, lw=0.9, zorder=zorder)
    )
    cell_w, cell_h = width / n_cols, height / n_rows
    if shades is not None:
        for (row, col), shade in np.ndenumerate(shades):
            if shade > 0:
                ax.add_patch(
                    Rectangle(
                        (x + col * cell_w, y + height - (row + 1) * cell_h),
                        cell_w,
                        cell_h,
                        facecolor=edge,
                        alpha=0.85 * shade,
                        lw=0,
                        zorder=zorder,
                    )
                )
    for col in range(1, n_cols):
        ax.plot([x + col * cell_w] * 2, [y, y + height], color=edge, lw=0.35, zorder=zorder)
    for row in range(1, n_rows):
        ax.plot([x, x + width], [y + row * cell_h] * 2, color=edge, lw=0.35, zorder=zorder)


def _dimension(ax, start, end, text, offset, rotation=0):
    """A double-headed arrow from start to end, shifted by offset, with its label."""
    (x0, y0), (x1, y1), (dx, dy) = start, end, offset
    ax.annotate(
        "",
        xy=(x1 + dx, y1 + dy),
        xytext=(x0 + dx, y0 + dy),
        arrowprops={
            "arrowstyle": "<->",
            "color": _LABEL_INK,
            "lw": 0.8,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )
    text_x, text_y = (x0 + x1) / 2 + 2.2 * dx, (y0 + y1) / 2 + 2.2 * dy
    ax.text(
        text_x,
        text_y,
        text,
        ha="center",
        va="center",
        rotation=rotation,
        fontsize=_LABEL_SIZE,
        color=_LABEL_INK,
        style="italic",
    )


def _note(ax, x, y, text, ha="left"):
    ax.text(x, y, text, ha=ha, va="center", fontsize=_LABEL_SIZE, color=_LABEL_INK)


def _arrow(ax, start, end):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": _LABEL_INK, "lw": 1.0, "mutation_scale": 12},
    )


def _wave(ax, x, y, width, amplitude, phase, colour, n_points=60, length=1.0):
    """A small sine curve over ``length`` of the width, centred on y."""
    t = np.linspace(0, 1, n_points)
    t = t[t <= length + 1e-9]
    ax.plot(
        x + t * width,
        y + amplitude * np.sin(2 * np.pi * (1.6 * t + phase)),
        color=colour,
        lw=1.1,
        zorder=3,
    )


# A digit "7" on a 6 x 6 grid, for the grey images.
_SEVEN = np.array(
    [
        [0.0, 0.9, 1.0, 1.0, 0.9, 0.0],
        [0.0, 0.0, 0.0, 0.2, 0.8, 0.0],
        [0.0, 0.0, 0.0, 0.7, 0.3, 0.0],
        [0.0, 0.0, 0.3, 0.8, 0.0, 0.0],
        [0.0, 0.0, 0.7, 0.3, 0.0, 0.0],
        [0.0, 0.0, 0.8, 0.0, 0.0, 0.0],
    ]
)


def _stack(ax, x, y, size, colours_list, depth_step, shades=None):
    """Channel planes stacked in depth, the first in front; returns the back corner."""
    n = len(colours_list)
    for depth in reversed(range(n)):
        _plane(
            ax,
            x + depth * depth_step,
            y + depth * depth_step,
            size,
            size,
            6,
            6,
            colours_list[depth],
            shades=shades if depth == 0 else None,
            zorder=1 + n - depth,
        )
    return x + (n - 1) * depth_step, y + (n - 1) * depth_step


# -- The panels -------------------------------------------------------------


def _draw_tabular(ax, left, bottom, width, height):
    size = 0.26
    top = bottom + height - 0.05
    x = left + 0.75
    end = _table(ax, x, top, 5, 8, size)
    _dimension(ax, (x, top), (x + 8 * size, top), "n_features", (0, 0.12))
    _dimension(ax, (x, top), (x, end), "n_samples", (-0.12, 0), rotation=90)
    _note(ax, x + 8 * size + 0.3, top - 1.0 * size, "NumPy, pandas,")
    _note(ax, x + 8 * size + 0.3, top - 2.0 * size, "SciPy sparse,")
    _note(ax, x + 8 * size + 0.3, top - 3.0 * size, "any array-like")


def _draw_images(ax, left, bottom, width, height):
    size, step = 0.8, 0.14
    y = bottom + 0.45
    channels = [_RED, _GREEN, _BLUE]
    x = left + 0.6
    for sample in range(3):
        back_x, _ = _stack(ax, x + sample * 1.25, y, size, channels, step)
    _dimension(ax, (x, y), (x, y + size), "height", (-0.12, 0), rotation=90)
    _dimension(ax, (x, y), (x + size, y), "width", (0, -0.12))
    _dimension(
        ax,
        (x, y + size),
        (x + 2 * step, y + size + 2 * step),
        "channels",
        (-0.07, 0.07),
        rotation=45,
    )
    _note(ax, back_x + size + 0.15, y + size / 2, "...")
    _dimension(ax, (x, y - 0.27), (back_x + size, y - 0.27), "n_samples", (0, -0.1))


def _draw_grayscale(ax, left, bottom, width, height):
    size, spacing = 1.0, 1.25
    y = bottom + 0.45
    x = left + 0.6
    for sample in range(3):
        _plane(
            ax,
            x + sample * spacing,
            y,
            size,
            size,
            6,
            6,
            _PADDING,
            shades=np.roll(_SEVEN, (0, 1, -1)[sample], 1),
        )
    _dimension(ax, (x, y), (x, y + size), "height", (-0.12, 0), rotation=90)
    _dimension(ax, (x, y), (x + size, y), "width", (0, -0.12))
    right = x + 2 * spacing + size
    _note(ax, right + 0.15, y + size / 2, "...")
    _dimension(ax, (x, y - 0.27), (right, y - 0.27), "n_samples", (0, -0.1))


def _draw_flat_images(ax, left, bottom, width, height):
    size = 0.15
    top = bottom + height - 0.05
    x = left + 0.6
    n_cols = 12

    def colours(row, col):
        return (_RED, _GREEN, _BLUE)[col // 4]

    end = _table(ax, x, top, 7, n_cols, size, colours_of=colours)
    _dimension(ax, (x, top), (x + n_cols * size, top), "C * H * W", (0, 0.12))
    _dimension(ax, (x, top), (x, end), "n_samples", (-0.12, 0), rotation=90)
    arrow_y = (top + end) / 2
    _arrow(ax, (x + n_cols * size + 0.15, arrow_y), (x + n_cols * size + 1.15, arrow_y))
    ax.text(
        x + n_cols * size + 0.65,
        arrow_y + 0.1,
        "input_shape\n=(C, H, W)",
        ha="center",
        va="bottom",
        fontsize=_LABEL_SIZE - 0.5,
        color=_SHAPE_INK,
        family="monospace",
    )
    _note(ax, x + n_cols * size + 0.65, arrow_y - 0.2, "each row", ha="center")
    _stack(ax, x + n_cols * size + 1.3, arrow_y - 0.45, 0.75, [_RED, _GREEN, _BLUE], 0.12)


def _draw_series(ax, left, bottom, width, height):
    cell, n_steps, n_channels, step = 0.2, 11, 3, 0.2
    x, y = left + 1.3, bottom + 0.4
    colours = [_BLUE, _ORANGE, _GREEN]
    n_samples = 3
    for sample in reversed(range(n_samples)):
        sx, sy = x + sample * step, y + sample * step
        for channel in range(n_channels):
            cy = sy + (n_channels - 1 - channel) * cell
            for t in range(n_steps):
                _cell(ax, sx + t * cell, cy, cell, colours[channel])
            if sample == 0:
                _wave(
                    ax, sx, cy + cell / 2, n_steps * cell, 0.07, 0.3 * channel, colours[channel][1]
                )
        # The samples behind show only their top and right edges.
        if sample:
            ax.add_patch(
                Rectangle(
                    (sx, sy),
                    n_steps * cell,
                    n_channels * cell,
                    facecolor="#ffffff",
                    alpha=0.35,
                    lw=0,
                    zorder=2,
                )
            )
    _dimension(ax, (x, y), (x + n_steps * cell, y), "n_timepoints", (0, -0.12))
    _dimension(ax, (x, y), (x, y + n_channels * cell), "n_channels", (-0.12, 0), rotation=90)
    corner = (x - 0.08, y + n_channels * cell + 0.08)
    _dimension(
        ax,
        corner,
        (corner[0] + (n_samples - 1) * step, corner[1] + (n_samples - 1) * step),
        "",
        (0, 0),
    )
    ax.text(
        corner[0] + 0.05,
        corner[1] + (n_samples - 1) * step + 0.05,
        "n_samples",
        ha="right",
        va="center",
        fontsize=_LABEL_SIZE,
        color=_LABEL_INK,
        style="italic",
    )


def _draw_univariate(ax, left, bottom, width, height):
    size = 0.19
    top = bottom + height - 0.05
    x = left + 0.75
    n_rows, n_cols = 6, 11
    end = _table(ax, x, top, n_rows, n_cols, size)
    for row in range(n_rows):
        _wave(ax, x, top - (row + 0.5) * size, n_cols * size, 0.06, 0.17 * row, _BLUE[1])
    _dimension(ax, (x, top), (x + n_cols * size, top), "n_timepoints", (0, 0.12))
    _dimension(ax, (x, top), (x, end), "n_samples", (-0.12, 0), rotation=90)
    _note(ax, x + n_cols * size + 0.3, (top + end) / 2 + 0.15, "read as one channel:")
    _note(ax, x + n_cols * size + 0.3, (top + end) / 2 - 0.15, "(n_samples, 1, T)")


def _draw_unequal(ax, left, bottom, width, height):
    size = 0.19
    top = bottom + height - 0.05
    x = left + 0.75
    n_cols = 11
    lengths = [11, 7, 9, 5, 11, 6]

    def colours(row, col):
        return _BLUE if col < lengths[row] else _PADDING

    end = _table(
        ax,
        x,
        top,
        len(lengths),
        n_cols,
        size,
        colours_of=colours,
        hatch_of=lambda row, col: None if col < lengths[row] else "////",
    )
    for row, length in enumerate(lengths):
        _wave(
            ax,
            x,
            top - (row + 0.5) * size,
            n_cols * size,
            0.06,
            0.17 * row,
            _BLUE[1],
            length=length / n_cols,
        )
    _dimension(ax, (x, top), (x + n_cols * size, top), "longest series", (0, 0.12))
    _dimension(ax, (x, top), (x, end), "n_samples", (-0.12, 0), rotation=90)
    legend_x = x + n_cols * size + 0.3
    middle = (top + end) / 2
    _cell(ax, legend_x, middle + 0.1, size, _PADDING, hatch="////")
    _note(ax, legend_x + size + 0.1, middle + 0.1 + size / 2, "NaN: padding")
    _note(ax, legend_x, middle - 0.2, "at the end, in every")
    _note(ax, legend_x, middle - 0.48, "channel; masked")


def _draw_tokens(ax, left, bottom, width, height):
    size = 0.26
    top = bottom + height - 0.05
    x = left + 0.75
    ids = [
        [12, 5, 87, 3, 41, 9, 0],
        [4, 9, 0, 0, 0, 0, 0],
        [7, 61, 22, 5, 0, 0, 0],
        [33, 2, 8, 14, 5, 27, 6],
        [15, 4, 0, 0, 0, 0, 0],
    ]

    def colours(row, col):
        return _PURPLE if ids[row][col] else _PADDING

    end = _table(
        ax,
        x,
        top,
        len(ids),
        len(ids[0]),
        size,
        colours_of=colours,
        text_of=lambda r, c: str(ids[r][c]),
    )
    _dimension(ax, (x, top), (x + len(ids[0]) * size, top), "max_len", (0, 0.12))
    _dimension(ax, (x, top), (x, end), "n_samples", (-0.12, 0), rotation=90)
    note_x = x + len(ids[0]) * size + 0.3
    for index, line in enumerate(
        ["ids in [0, vocab_size)", "0: padding, masked", "TextTokenizer makes", "them from strings"]
    ):
        _note(ax, note_x, top - 0.2 - index * 0.3, line)


def _draw_graph(ax, left, bottom, width, height):
    size = 0.2
    top = bottom + height - 0.05
    x = left + 0.75
    n_nodes = 6
    end = _table(ax, x, top, n_nodes, 4, size)
    _dimension(ax, (x, top), (x + 4 * size, top), "n_features", (0, 0.12))
    _dimension(ax, (x, top), (x, end), "n_nodes", (-0.12, 0), rotation=90)
    _note(ax, x + 2 * size, end - 0.17, "X", ha="center")

    edges = [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (4, 5)]
    centre_x, centre_y, radius = x + 2.4, (top + end) / 2, 0.5
    angles = np.pi / 2 - 2 * np.pi * np.arange(n_nodes) / n_nodes
    positions = np.c_[centre_x + radius * np.cos(angles), centre_y + radius * np.sin(angles)]
    for a, b in edges:
        ax.plot(*positions[[a, b]].T, color=_ORANGE[1], lw=1.2, zorder=1)
    for node, (px, py) in enumerate(positions):
        ax.add_patch(
            Circle((px, py), 0.14, facecolor=_BLUE[0], edgecolor=_BLUE[1], lw=0.9, zorder=2)
        )
        ax.text(px, py, str(node), ha="center", va="center", fontsize=_LABEL_SIZE - 1, zorder=3)

    matrix_x = centre_x + 1.2
    linked = {edge for a, b in edges for edge in ((a, b), (b, a))}
    matrix_end = _table(
        ax,
        matrix_x,
        top,
        n_nodes,
        n_nodes,
        size,
        colours_of=lambda r, c: _ORANGE if (r, c) in linked else ("#ffffff", _ORANGE[1]),
    )
    _dimension(ax, (matrix_x, top), (matrix_x + n_nodes * size, top), "n_nodes", (0, 0.12))
    _dimension(ax, (matrix_x, top), (matrix_x, matrix_end), "n_nodes", (-0.12, 0), rotation=90)
    _note(ax, matrix_x + n_nodes * size / 2, matrix_end - 0.17, "adjacency", ha="center")
    note_x = matrix_x + n_nodes * size + 0.45
    lines = [
        "fit(X, y, adjacency=...):",
        "sparse or dense, or an",
        "(n_edges, 2) edge list;",
        "without one, a k-nearest-",
        "neighbour graph of X",
    ]
    for index, line in enumerate(lines):
        _note(ax, note_x, top - 0.1 - index * 0.26, line)


def _draw_user_item(ax, left, bottom, width, height):
    size = 0.24
    top = bottom + height - 0.05
    x = left + 0.75
    pairs = [
        ("user3", "film7"),
        ("user3", "film2"),
        ("user8", "film7"),
        ("user1", "film5"),
        ("user8", "film1"),
    ]
    ratings = ["4.0", "2.5", "3.5", "5.0", "1.0"]
    column = 0.7
    for row, (user, item) in enumerate(pairs):
        y = top - (row + 1) * size
        _cell(ax, x, y, size, _GREEN, text=user, width=column)
        _cell(ax, x + column, y, size, _PURPLE, text=item, width=column)
        _cell(ax, x + 2 * column + 0.25, y, size, _BLUE, text=ratings[row], width=0.45)
    end = top - len(pairs) * size
    _dimension(ax, (x, top), (x + column, top), "user", (0, 0.12))
    _dimension(ax, (x + column, top), (x + 2 * column, top), "item", (0, 0.12))
    _dimension(ax, (x, top), (x, end), "n_ratings", (-0.12, 0), rotation=90)
    _note(ax, x + 2 * column + 0.475, top + 0.2, "y", ha="center")
    for index, line in enumerate(
        ["ids: ints or strings;", "unseen ids predict", "from what is known"]
    ):
        _note(ax, x + 2 * column + 0.95, top - 0.25 - index * 0.3, line)


def _draw_branches(ax, left, bottom, width, height):
    size = 0.13
    top = bottom + height - 0.3
    x = left + 0.6
    groups = [("pixels", _RED, 6), ("token ids", _PURPLE, 6), ("numeric", _BLUE, 5)]
    starts, col = [], 0
    for _, _, n_cols in groups:
        starts.append(col)
        col += n_cols

    def colours(row, column):
        for (_, group_colours, n_cols), start in zip(groups, starts, strict=True):
            if start <= column < start + n_cols:
                return group_colours
        return None

    end = _table(ax, x, top, 6, col, size, colours_of=colours)
    for (name, group_colours, n_cols), start in zip(groups, starts, strict=True):
        gx = x + start * size
        ax.plot(
            [gx + 0.04, gx + n_cols * size - 0.04], [top + 0.1] * 2, color=group_colours[1], lw=2
        )
        ax.text(
            gx + n_cols * size / 2,
            top + 0.17,
            name,
            ha="center",
            va="bottom",
            fontsize=_LABEL_SIZE,
            color=group_colours[1],
        )
    _dimension(ax, (x, top), (x, end), "n_samples", (-0.12, 0), rotation=90)
    note_x = x + col * size + 0.3
    for index, line in enumerate(
        ["a column group per", "branch, each read", "by its own network", "(branches=...)"]
    ):
        _note(ax, note_x, top - 0.1 - index * 0.28, line)


_TABULAR_ONLY = (
    "MLPClassifier",
    "MLPRegressor",
    "TabMClassifier",
    "TabMRegressor",
    "FTTransformerClassifier",
    "FTTransformerRegressor",
    "DBNClassifier",
    "DBNTransformer",
    "RBMTransformer",
    "ZeroShotClassifier",
)
# Rows, or images when input_shape is set.
_ROWS_OR_IMAGES = ("AutoencoderTransformer", "VAEGenerator", "GANGenerator", "DiffusionGenerator")
_IMAGE_ONLY = ("LeNetClassifier", "VGGClassifier", "MobileNetClassifier", *_ROWS_OR_IMAGES)
_IMAGE_OR_SERIES = ("CNNClassifier", "CNNRegressor", "ResNetClassifier", "ResNetRegressor")
_RECURRENT = (
    "RNNClassifier",
    "RNNRegressor",
    "LSTMClassifier",
    "LSTMRegressor",
    "GRUClassifier",
    "GRURegressor",
    "TransformerClassifier",
    "TransformerRegressor",
)
_ENSEMBLES = ("InceptionTimeClassifier", "InceptionTimeRegressor", "LITETimeClassifier")
_SERIES = (*_IMAGE_OR_SERIES, "FCNClassifier", *_ENSEMBLES, *_RECURRENT, "Seq2SeqRegressor")
# Your own module: rows, or images and series of 3 or 4 dimensions (2-D rows are a table).
_MODULE = ("ModuleClassifier", "ModuleRegressor")

#: The panels of the input-shape diagram, in reading order (left to right,
#: then down); the graph panel spans both columns.
PANELS = (
    Panel(
        "tabular",
        "Tabular rows",
        "(n_samples, n_features)",
        _TABULAR_ONLY,
        _draw_tabular,
        lead="every estimator; the only input of",
    ),
    Panel(
        "images",
        "Images, channels first",
        "(n_samples, channels, height, width)",
        (*_IMAGE_OR_SERIES, *_IMAGE_ONLY, *_MODULE),
        _draw_images,
    ),
    Panel("grey_images", "Grey images", "(n_samples, height, width)", _IMAGE_ONLY, _draw_grayscale),
    Panel(
        "flat_images",
        "Flattened images, reshaped",
        "(n_samples, C * H * W), input_shape=(C, H, W)",
        (*_IMAGE_OR_SERIES, *_IMAGE_ONLY, *_MODULE),
        _draw_flat_images,
    ),
    Panel(
        "series",
        "Series, channels first",
        "(n_samples, n_channels, n_timepoints)",
        (*_SERIES, *_MODULE),
        _draw_series,
    ),
    Panel(
        "univariate", "Univariate series", "(n_samples, n_timepoints)", _SERIES, _draw_univariate
    ),
    Panel(
        "unequal",
        "Series of unequal lengths",
        "(n_samples, n_channels, longest), NaN-padded",
        (*_RECURRENT, "Seq2SeqRegressor"),
        _draw_unequal,
    ),
    Panel(
        "tokens",
        "Token ids, vocab_size set",
        "(n_samples, max_len), int, padded with 0",
        (*_RECURRENT, "GPTGenerator"),
        _draw_tokens,
    ),
    Panel(
        "graph",
        "A graph: node features and edges",
        "X (n_nodes, n_features), adjacency (n_nodes, n_nodes)",
        ("GNNClassifier", "GNNRegressor"),
        _draw_graph,
    ),
    Panel(
        "user_item",
        "User-item pairs",
        "(n_ratings, 2), y = ratings",
        ("CollaborativeFilteringRegressor",),
        _draw_user_item,
    ),
    Panel(
        "branches",
        "Several inputs, one table",
        "(n_samples, columns of every branch)",
        ("FusionClassifier", "FusionRegressor"),
        _draw_branches,
    ),
)
_STAMP = "Generated by docs/_diagrams.py (write_input_shapes) at docs build time; do not edit."
_WIDE_PANEL = 8  # index in PANELS of the graph, which spans both columns

_FIGURE_WIDTH = 10.0
_MARGIN = 0.08
_GAP = 0.16
_PANEL_HEIGHT = 3.0


def _panel_boxes():
    """(left, bottom, width, height) of each panel, in inches, in PANELS order."""
    column_width = (_FIGURE_WIDTH - 2 * _MARGIN - _GAP) / 2
    slots, row, column = [], 0, 0
    for index in range(len(PANELS)):
        wide = index == _WIDE_PANEL
        if wide and column:
            row, column = row + 1, 0
        slots.append((row, column, 2 if wide else 1))
        column += 2 if wide else 1
        if column >= 2:
            row, column = row + 1, 0
    n_rows = row + (1 if column else 0)
    height = 2 * _MARGIN + n_rows * _PANEL_HEIGHT + (n_rows - 1) * _GAP
    boxes = [
        (
            _MARGIN + column * (column_width + _GAP),
            height - _MARGIN - (row + 1) * _PANEL_HEIGHT - row * _GAP,
            span * column_width + (span - 1) * _GAP,
            _PANEL_HEIGHT,
        )
        for row, column, span in slots
    ]
    return boxes, height


def _draw_panel(ax, panel, width, height):
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    ax.add_patch(
        FancyBboxPatch(
            (0.02, 0.02),
            width - 0.04,
            height - 0.04,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=_PANEL_FACE,
            edgecolor=_PANEL_EDGE,
            lw=0.9,
            zorder=0,
        )
    )
    title_style = {"fontsize": _TITLE_SIZE, "fontweight": "bold", "color": _INK}
    shape_style = {"fontsize": _SHAPE_SIZE, "family": "monospace", "color": _SHAPE_INK}
    for top, text, style in (
        (height - 0.14, panel.title, title_style),
        (height - 0.47, panel.shape, shape_style),
    ):
        ax.text(0.16, top, text, ha="left", va="top", **style)
    used_by = f"{panel.lead}: {', '.join(short_names(panel.estimators))}"
    characters_per_line = int(width / (_USED_BY_SIZE * 0.55 / 72))
    ax.text(
        0.16,
        0.12,
        textwrap.fill(used_by, characters_per_line),
        ha="left",
        va="bottom",
        fontsize=_USED_BY_SIZE,
        color=_LABEL_INK,
        linespacing=1.3,
    )
    panel.draw(ax, 0.1, 0.62, width - 0.2, height - 0.62 - 1.0)


def write_input_shapes(path):
    """Draw the input-shape diagram to a PNG file, if its bytes changed.

    The PNG is byte-identical from one run to the next (matplotlib's default
    style, no software or date in its metadata), so the documentation build
    stays deterministic.

    Parameters
    ----------
    path : str or pathlib.Path
        Where to write the PNG; its folder is created if needed.

    Returns
    -------
    changed : bool
        Whether the file was (re)written.
    """
    boxes, height = _panel_boxes()
    with matplotlib.style.context("default"):
        figure = Figure(figsize=(_FIGURE_WIDTH, height), dpi=100)
        FigureCanvasAgg(figure)
        for panel, (left, bottom, width, panel_height) in zip(PANELS, boxes, strict=True):
            ax = figure.add_axes(
                (
                    left / _FIGURE_WIDTH,
                    bottom / height,
                    width / _FIGURE_WIDTH,
                    panel_height / height,
                )
            )
            _draw_panel(ax, panel, width, panel_height)
        buffer = io.BytesIO()
        # No "Software" entry: it names the matplotlib version, and the bytes
        # must not change with it.
        figure.savefig(buffer, format="png", metadata={"Software": None, "Description": _STAMP})
    data = buffer.getvalue()
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True
