"""The documentation builds with zero Sphinx warnings (``make docs``).

The build runs on a copy of ``docs/`` in a temporary directory, so that it
neither writes into the working tree (autosummary generates its API pages
next to the sources) nor races with a ``make docs`` running at the same time.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("docs")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None, reason="sphinx is not installed")
def test_docs_build_without_warnings(tmp_path):
    source = tmp_path / "docs"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("_build", "generated"))
    # Pages include code from examples/ (literalinclude ../examples/...).
    shutil.copytree(DOCS.parent / "examples", tmp_path / "examples")
    # The gallery runs the plot_* examples, which read the repository's data/.
    shutil.copytree(DOCS.parent / "data", tmp_path / "data")
    # conf.py imports sknets from next to docs/; the copy has none there, so
    # put this checkout first on the path, whether or not it is installed.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(DOCS.parent), os.environ.get("PYTHONPATH")])
        ),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(source),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, (
        f"sphinx-build failed (return code {result.returncode}):\n"
        f"{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    )
    assert (tmp_path / "html" / "index.html").is_file()


def _python_blocks(page):
    """The ``.. code-block:: python`` blocks of a page, dedented, in order."""
    blocks, current = [], None
    for line in page.splitlines():
        if line.strip() == ".. code-block:: python":
            current = []
            blocks.append(current)
        elif current is not None:
            if line.strip() and not line.startswith("   "):
                current = None
            else:
                current.append(line[3:])
    return ["\n".join(block).strip() + "\n" for block in blocks]


def _run_page(name):
    """Run every python block of a page, in order, in one namespace."""
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in _python_blocks((DOCS / name).read_text()):
            exec(compile(block, name, "exec"), namespace)  # noqa: S102
    return namespace


def test_faq_page_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = _run_page("faq.rst")
    assert namespace["stream"].n_iter_ == 50
    assert (
        namespace["stream"].score(
            namespace["scaler"].transform(namespace["X_test"]), namespace["y_test"]
        )
        > 0.9
    )
    assert (tmp_path / "weights.pt").is_file()


def test_your_data_page_runs_as_written(tmp_path, monkeypatch):
    # The tutorial promises every block runs, in order, in an empty folder.
    monkeypatch.chdir(tmp_path)
    assert len(_python_blocks((DOCS / "your_data.rst").read_text())) >= 10
    namespace = _run_page("your_data.rst")
    # The series split: the rising series are easy to tell apart.
    assert namespace["fcn"].score(namespace["X_test"], namespace["y_test"]) >= 0.8
    text_score = namespace["text_model"].score(namespace["texts_test"], namespace["labels_test"])
    assert text_score >= 0.8
    # The graph's features are noise: what the GNN gets right it got from the edges.
    assert (namespace["gnn"].transduction_ == namespace["community"]).mean() >= 0.7
    recommended = namespace["recommender"].recommend(["user3"], n=3)
    rated = set(namespace["ratings"].loc[namespace["ratings"]["user"] == "user3", "film"])
    assert recommended.shape == (1, 3) and not rated & set(recommended[0])


def test_finetuning_page_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = _run_page("finetuning.rst")
    X, labels, rest = namespace["X"], namespace["labels"], namespace["rest"]
    assert X.shape == (1797, 1, 8, 8) and 0 <= X.min() and X.max() <= 1
    tuned, scratch = namespace["tuned"], namespace["scratch"]
    assert tuned.module_.head.out_features == 5
    assert tuned.score(X[rest], labels[rest]) > 0.8
    assert scratch.score(X[rest], labels[rest]) > 0.6
    assert namespace["augmented"].n_iter_ == 30


def test_training_time_page_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = _run_page("training_time.rst")
    assert namespace["clf"].n_iter_ == len(namespace["clf"].loss_curve_) == 31
    stopped = namespace["stopped"]
    assert stopped.n_iter_ < 500  # early stopping ended it, not max_iter
    assert stopped.best_validation_score_ == max(stopped.validation_scores_)


def test_gpu_page_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = _run_page("gpu.rst")
    assert str(namespace["clf"].device_) in namespace["available_devices"]() + ["cuda"]


def test_tuning_page_runs_as_written(tmp_path, monkeypatch):
    pytest.importorskip("optuna_integration")
    monkeypatch.chdir(tmp_path)
    namespace = _run_page("tuning.rst")
    assert namespace["grid"].best_score_ > 0.5
    assert list(namespace["halving"].n_resources_) == [5, 15, 45]
    assert namespace["stopped"].best_estimator_.n_iter_ < 300


# Figures a hand-written page may quote without a generated table holding
# them, and why: they are settings or thresholds, not measurements.
NOT_MEASUREMENTS = {"0.1 %": "the convergence check's threshold (contract page)"}
_MEASURED_FIGURE = re.compile(r"\b\d+(?:\.\d+)?x\b|\b\d+\.\d+ ?%")


def test_quoted_figures_come_from_generated_tables():
    """A speed ratio or a decimal percentage in the hand-written pages, README or
    docstrings is one of the benchmarks' generated tables (docs/_bench), so a
    rerun that changes it cannot leave a stale copy behind."""
    import sknets

    generated = " ".join(path.read_text() for path in (DOCS / "_bench").glob("*.rst"))
    sources = {path.name: path.read_text() for path in DOCS.glob("*.rst")}
    sources["README.md"] = (ROOT / "README.md").read_text()
    for name in sknets.__all__:
        sources[name] = getattr(sknets, name).__doc__ or ""
    stale = [
        f"{source}: {figure}"
        for source, text in sources.items()
        for figure in _MEASURED_FIGURE.findall(text)
        if figure not in NOT_MEASUREMENTS and figure.rstrip(" %") not in generated
    ]
    assert not stale, f"figures quoted from no generated table: {stale}"


def _diagrams():
    """docs/_diagrams.py, which is not a package module (conf.py imports it by path)."""
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("_diagrams", DOCS / "_diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_input_shapes_diagram_is_written_byte_identical(tmp_path):
    diagrams = _diagrams()
    first, second = tmp_path / "a" / "input_shapes.png", tmp_path / "b" / "input_shapes.png"
    assert diagrams.write_input_shapes(first)
    data = first.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert b"Generated by docs/_diagrams.py" in data
    # A second drawing is the same bytes, and an unchanged file is left alone.
    assert diagrams.write_input_shapes(second)
    assert second.read_bytes() == data
    assert not diagrams.write_input_shapes(first)


def _layouts_taken(cls):
    """The diagram's panel keys whose layout this estimator's input adapter reads."""
    from sknets._fusion import FusionInput
    from sknets._gpt import TokenStreamInput
    from sknets._inputs._conv import ImageOrSeriesInput
    from sknets._inputs._graph import GraphInput
    from sknets._inputs._ids import IdPairInput, TokenInput
    from sknets._inputs._sequence import PaddedSeriesInput

    # An input_shape turns some estimators' rows into images (autoencoders, generators).
    shaped = cls(input_shape=(1, 8, 8)) if "input_shape" in cls().get_params() else cls()
    adapter = cls._input(shaped)
    adapter = getattr(adapter, "inner", adapter)
    taken = set()
    if isinstance(adapter, ImageOrSeriesInput):
        if adapter.kind in ("any", "images"):
            taken |= {"images", "flat_images"}
        if adapter.kind == "images":
            taken.add("grey_images")
        if adapter.kind in ("any", "series"):
            taken.add("series")
            if adapter.univariate_rows:
                taken.add("univariate")
        if isinstance(adapter, PaddedSeriesInput):
            taken.add("unequal")
    if "vocab_size" in cls().get_params() and isinstance(
        cls._input(cls(vocab_size=10)), TokenInput | TokenStreamInput
    ):
        taken.add("tokens")
    for adapter_class, key in (
        (GraphInput, "graph"),
        (IdPairInput, "user_item"),
        (FusionInput, "branches"),
    ):
        if isinstance(adapter, adapter_class):
            taken.add(key)
    return taken or {"tabular"}


def test_input_shapes_diagram_names_the_estimators_that_take_each_layout():
    import sknets
    from sknets.utils import all_estimators

    panels = _diagrams().PANELS
    assert len({panel.key for panel in panels}) == len(panels)
    for panel in panels:
        assert panel.estimators, panel.key
        assert set(panel.estimators) <= set(sknets.__all__), panel.key
    # Each panel lists exactly the estimators whose input adapter reads its
    # layout (the tabular panel: those that read nothing else), so a new
    # estimator, or one that changes what it takes, shows up here.
    expected = {panel.key: set() for panel in panels}
    for name, cls in all_estimators():
        for key in _layouts_taken(cls):
            expected[key].add(name)
    assert {panel.key: set(panel.estimators) for panel in panels} == expected


def test_input_shapes_diagram_short_names():
    diagrams = _diagrams()
    assert diagrams.short_names(
        ["CNNClassifier", "CNNRegressor", "GPTGenerator", "RBMTransformer", "TextTokenizer"]
    ) == ["CNN", "GPT", "RBM", "TextTokenizer"]
