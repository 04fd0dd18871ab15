"""Benchmark results per estimator, read from the generated tables in docs/_bench.

The benchmarks write their tables as reStructuredText ``list-table``
directives (``benchmarks/_report.rst_table``).  This module reads them
back, so that the "Choosing an estimator" page and its accuracy-versus-time
plot quote the figures of the last benchmark run and nothing else:
:data:`RESULTS` says which cell holds each estimator's result, and a
result whose table, row or column is gone is an error, not a blank.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent / "_bench"
COSTS_FILE = BENCH_DIR / "estimator_costs.json"


@dataclass(frozen=True)
class Table:
    file: str
    title: str
    header: list
    rows: list

    def column(self, name):
        if name not in self.header:
            raise LookupError(f"{self.file} ({self.title}) has no column {name!r}: {self.header}")
        return self.header.index(name)

    def row(self, key):
        """The row whose first cells are ``key`` (a str, or a tuple of the first cells)."""
        key = (key,) if isinstance(key, str) else tuple(key)
        for row in self.rows:
            if tuple(row[: len(key)]) == key:
                return row
        raise LookupError(f"{self.file} ({self.title}) has no row {key!r}")

    def cell(self, key, column):
        return self.row(key)[self.column(column)]


_LIST_TABLE = re.compile(r"^\.\. list-table::(.*)$")


def read_tables(file):
    """Every list-table of ``docs/_bench/<file>``, in order."""
    tables, rows, title = [], None, None
    for line in (BENCH_DIR / file).read_text().splitlines() + [""]:
        match = _LIST_TABLE.match(line)
        if match:
            title, rows = match.group(1).strip(), []
        elif rows is not None and line.startswith("   * - "):
            rows.append([line[len("   * - ") :]])
        elif rows is not None and line.startswith("     - "):
            rows[-1].append(line[len("     - ") :])
        elif rows is not None and not line.startswith("   ") and line.strip():
            tables.append(Table(file, title, rows[0], rows[1:]))
            rows = None
    if rows:
        tables.append(Table(file, title, rows[0], rows[1:]))
    return tables


def read_table(file, title=None):
    """The list-table of ``file`` titled ``title`` (the only one when None)."""
    tables = read_tables(file)
    if title is None and len(tables) == 1:
        return tables[0]
    for table in tables:
        if table.title == title:
            return table
    raise LookupError(f"{file} has no table {title!r}: {[t.title for t in tables]}")


@dataclass(frozen=True)
class Result:
    """One quoted benchmark figure: ``text`` formats the cells ``columns`` of row ``row``."""

    file: str
    row: object
    columns: tuple
    text: str
    data: str
    versus: tuple = None  # (row, column, text): a baseline of the same table, for scale

    def render(self):
        table = read_table(self.file)
        cells = [_main_figure(table.cell(self.row, column)) for column in self.columns]
        context = self.data
        if self.versus is not None:
            row, column, text = self.versus
            context = f"{context}; {text.format(_main_figure(table.cell(row, column)))}"
        return f"{self.text.format(*cells)} ({context})"


def _main_figure(cell):
    """A cell's figure without its spread: ``'98.78 (0.38)'`` -> ``'98.78'``."""
    return re.split(r" \(| ±", cell, maxsplit=1)[0].strip()


_ACCURACY = "{} % accuracy"
_FASHION = "Fashion-MNIST, official test split"
_DIGITS_CV = "digits, 5-fold CV"
_ITALY = "ItalyPowerDemand, 5 seeds"
_RING = "ring of 8 Gaussians"

# estimator -> the benchmark figures the Choosing page quotes for it.
RESULTS = {
    "AutoencoderTransformer": [
        Result(
            "autoencoder_digits.rst",
            "AutoencoderTransformer (dense) (16)",
            ("codes + LogisticRegression accuracy % (sd)",),
            "{} % accuracy of a LogisticRegression on 16 codes",
            "digits",
        )
    ],
    "CNNClassifier": [
        Result(
            "cnn_fashion.rst", "sknets CNNClassifier", ("test accuracy %",), _ACCURACY, _FASHION
        ),
        Result(
            "cnn_digits.rst", "sknets CNNClassifier", ("accuracy % (sd)",), _ACCURACY, _DIGITS_CV
        ),
    ],
    "CollaborativeFilteringRegressor": [
        Result(
            "recommender_movielens.rst",
            'CollaborativeFilteringRegressor(interaction="dot")',
            ("RMSE (sd over folds)",),
            "RMSE {}",
            "MovieLens-100k, 5-fold CV",
            versus=("Surprise SVD (defaults)", "RMSE (sd over folds)", "Surprise SVD {}"),
        )
    ],
    "DBNClassifier": [
        Result(
            "rbm_dbn.rst",
            "DBNClassifier(max_iter=30)",
            ("5-fold accuracy % (sd)",),
            _ACCURACY,
            _DIGITS_CV,
        )
    ],
    "DiffusionGenerator": [
        Result(
            "generative_ring.rst",
            "DiffusionGenerator",
            ("modes (of 8)", "MMD"),
            "{} of 8 modes, MMD {}",
            _RING,
        )
    ],
    "FCNClassifier": [
        Result(
            "cnn_ucr.rst",
            ("GunPoint", "FCN"),
            ("accuracy % over 5 seeds (sd)",),
            _ACCURACY,
            "GunPoint, 5 seeds",
        )
    ],
    "FusionClassifier": [
        Result(
            "fusion_digits.rst",
            "FusionClassifier(combine='concat')",
            ("accuracy %",),
            _ACCURACY,
            "noisy digits and tokens",
            versus=("late fusion (mean of both probabilities)", "accuracy %", "late fusion {} %"),
        )
    ],
    "GANGenerator": [
        Result(
            "generative_digits.rst",
            "GANGenerator (conditional)",
            ("all",),
            "{} of generated digits read as the class asked for",
            "digits",
        ),
        Result(
            "generative_ring.rst",
            "GANGenerator",
            ("modes (of 8)", "MMD"),
            "{} of 8 modes, MMD {}",
            _RING,
        ),
    ],
    "GNNClassifier": [
        Result(
            "gnn_digits.rst",
            "GNNClassifier(conv='gcn')",
            ("accuracy % (min-max)",),
            _ACCURACY,
            "digits, 5 % of the labels",
        )
    ],
    "GPTGenerator": [
        Result(
            "gpt_hamlet.rst",
            "GPTGenerator (40 epochs)",
            ("held-out loss (nats/char)",),
            "held-out loss {} nats/char",
            "Hamlet",
            versus=(
                "bigram (interpolated Kneser-Ney)",
                "held-out loss (nats/char)",
                "{} for a bigram",
            ),
        )
    ],
    "GRUClassifier": [
        Result(
            "sequence_ucr.rst",
            ("ItalyPowerDemand", "sknets GRUClassifier"),
            ("accuracy % over 5 seeds (sd)",),
            _ACCURACY,
            _ITALY,
        )
    ],
    "LSTMClassifier": [
        Result(
            "sequence_ucr.rst",
            ("ItalyPowerDemand", "sknets LSTMClassifier"),
            ("accuracy % over 5 seeds (sd)",),
            _ACCURACY,
            _ITALY,
        )
    ],
    "LSTMRegressor": [
        Result(
            "forecasting_covid.rst",
            "LSTMRegressor (log1p, standardised)",
            ("test RMSE",),
            "RMSE {}",
            "Covid3Month",
            versus=("training mean", "test RMSE", "{} for the training mean"),
        )
    ],
    "LeNetClassifier": [
        Result(
            "cnn_fashion.rst", "sknets LeNetClassifier", ("test accuracy %",), _ACCURACY, _FASHION
        )
    ],
    "MLPClassifier": [
        Result(
            "cnn_digits.rst", "sknets MLPClassifier", ("accuracy % (sd)",), _ACCURACY, _DIGITS_CV
        )
    ],
    "MobileNetClassifier": [
        Result(
            "cnn_fashion.rst",
            "sknets MobileNetClassifier (x0.5, ImageNet strides)",
            ("test accuracy %",),
            _ACCURACY,
            _FASHION,
        )
    ],
    "RBMTransformer": [
        Result(
            "rbm_rbm.rst",
            "RBMTransformer + LogisticRegression",
            ("test accuracy %",),
            "{} % accuracy of a LogisticRegression on its features",
            "binarised digits",
        )
    ],
    "ResNetClassifier": [
        Result(
            "cnn_fashion.rst",
            "sknets ResNetClassifier (ResNet-10, 16 base filters)",
            ("test accuracy %",),
            _ACCURACY,
            _FASHION,
        ),
        Result(
            "cnn_ucr.rst",
            ("GunPoint", "ResNet"),
            ("accuracy % over 5 seeds (sd)",),
            _ACCURACY,
            "GunPoint, 5 seeds",
        ),
    ],
    "Seq2SeqRegressor": [
        Result(
            "forecasting_seasonal.rst",
            "Seq2SeqRegressor",
            ("RMSE, all steps",),
            "RMSE {}",
            "12-step forecast of a seasonal series",
            versus=("noise floor sigma", "RMSE, all steps", "noise floor {}"),
        )
    ],
    "TransformerClassifier": [
        Result(
            "sequence_ucr.rst",
            ("ItalyPowerDemand", "sknets TransformerClassifier"),
            ("accuracy % over 5 seeds (sd)",),
            _ACCURACY,
            _ITALY,
        )
    ],
    "VAEGenerator": [
        Result(
            "generative_ring.rst",
            "VAEGenerator",
            ("modes (of 8)", "MMD"),
            "{} of 8 modes, MMD {}",
            _RING,
        )
    ],
    "ZeroShotClassifier": [
        Result(
            "zeroshot_digits.rst",
            ("seven segments", "ZeroShotClassifier (100,)"),
            ("unseen only",),
            "{} % accuracy on unseen classes",
            "digits 7-9 after training on 0-6",
            versus=(("seven segments", "chance"), "unseen only", "chance {} %"),
        )
    ],
}


def benchmark_results(name):
    """The Choosing page's text of ``name``'s benchmark figures ('' when it has none)."""
    return "; ".join(result.render() for result in RESULTS.get(name, ()))


def estimator_costs():
    """``benchmarks/estimator_costs.py``'s record: ``{"estimators": {name: {...}}, ...}``."""
    return json.loads(COSTS_FILE.read_text())


# ----------------------------------------------------------- accuracy vs time
@dataclass(frozen=True)
class Panel:
    """One panel of the accuracy-versus-time plot: rows of one benchmark table.

    Each row's "model" cell names its point.
    """

    title: str
    file: str
    accuracy_column: str
    time_columns: tuple  # multiplied together: e.g. time per epoch x epochs
    row_filter: tuple = ()  # leading cells a row must have


PANELS = (
    Panel(
        "Fashion-MNIST (60,000 images)",
        "cnn_fashion.rst",
        "test accuracy %",
        ("time per epoch (s)", "epochs"),
    ),
    Panel(
        "digits, 5-fold CV",
        "cnn_digits.rst",
        "accuracy % (sd)",
        ("fit time per fold (s)",),
    ),
    Panel(
        "ItalyPowerDemand (UCR)",
        "cnn_ucr.rst",
        "accuracy % over 5 seeds (sd)",
        ("fit (s)",),
        row_filter=("ItalyPowerDemand",),
    ),
    Panel(
        "ItalyPowerDemand (UCR)",
        "sequence_ucr.rst",
        "accuracy % over 5 seeds (sd)",
        ("fit (s)",),
        row_filter=("ItalyPowerDemand",),
    ),
    Panel(
        "GunPoint (UCR)",
        "cnn_ucr.rst",
        "accuracy % over 5 seeds (sd)",
        ("fit (s)",),
        row_filter=("GunPoint",),
    ),
    Panel(
        "GunPoint (UCR)",
        "sequence_ucr.rst",
        "accuracy % over 5 seeds (sd)",
        ("fit (s)",),
        row_filter=("GunPoint",),
    ),
    Panel(
        "digits, 5 % of the labels",
        "gnn_digits.rst",
        "accuracy % (min-max)",
        ("fit (s)",),
    ),
)


def accuracy_time_points():
    """``{panel title: [(model, training seconds, accuracy %), ...]}`` from the tables.

    Rows without a time or an accuracy (published figures, baselines
    without training) are left out.
    """
    points = {}
    for panel in PANELS:
        table = read_table(panel.file)
        model = table.column("model")
        accuracy = table.column(panel.accuracy_column)
        times = [table.column(c) for c in panel.time_columns]
        for row in table.rows:
            if tuple(row[: len(panel.row_filter)]) != panel.row_filter:
                continue
            try:
                seconds = 1.0
                for column in times:
                    seconds *= float(_main_figure(row[column]).replace(",", ""))
                value = float(_main_figure(row[accuracy]))
            except ValueError:
                continue
            label = row[model].removeprefix("sknets ")
            points.setdefault(panel.title, []).append((label, seconds, value))
    return points


def write_accuracy_time_plot(path):
    """Draw :func:`accuracy_time_points` as one log-time panel per data set, to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = accuracy_time_points()
    # One colour per sknets model, the same in every panel.
    models = dict.fromkeys(
        _short(label)
        for entries in points.values()
        for label, _, _ in entries
        if not label.startswith(("sklearn", "hand-written"))
    )
    colour_of = dict(zip(models, matplotlib.colormaps["tab20"].colors, strict=False))
    n_columns = 3
    n_rows = -(-len(points) // n_columns)
    fig, axes = plt.subplots(
        n_rows, n_columns, figsize=(13, 4.2 * n_rows), layout="constrained", squeeze=False
    )
    for ax in axes.flat[len(points) :]:
        ax.set_axis_off()
    for ax, (title, entries) in zip(axes.flat, points.items(), strict=False):
        seconds = [entry[1] for entry in entries]
        accuracies = [entry[2] for entry in entries]
        ax.set_xscale("log")
        ax.set_xlim(min(seconds) / 4, max(seconds) * 6)
        # At least 2 points of accuracy, so that equal results look equal.
        middle, half = (
            (max(accuracies) + min(accuracies)) / 2,
            (max(accuracies) - min(accuracies)) / 2,
        )
        half = max(half * 1.2, 1.0)
        ax.set_ylim(middle - half, middle + half)
        # A legend, not labels beside the points: equal results sit on top of each other.
        anchor_markers = iter("sDv^")
        for label, time, accuracy in entries:
            if label.startswith(("sklearn", "hand-written")):
                style = {"color": "#8c8c8c", "marker": next(anchor_markers)}
            else:
                style = {"color": colour_of[_short(label)], "marker": "o"}
            ax.scatter(time, accuracy, s=40, label=_short(label), zorder=3, alpha=0.9, **style)
        ax.legend(fontsize=7.5, loc="best", framealpha=0.85)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("training time (s, one fit, CPU)", fontsize=9)
        ax.set_ylabel("accuracy %", fontsize=9)
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(True, which="major", alpha=0.3)
        ax.tick_params(labelsize=8)
    fig.suptitle(
        "Benchmark accuracy against training time (circles: sknets; grey: anchors)", fontsize=11
    )
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def _short(label):
    """A model's table label, shortened for the plot."""
    label = re.sub(r"Classifier\b", "", label)
    label = re.sub(r"\(kernel='knn'\)$", "", label)
    label = re.sub(r" \((?:x0\.5, ImageNet strides|ResNet-10, 16 base filters)\)", "", label)
    return label.replace("hand-written PyTorch loop, same CNN", "hand loop")
