"""Sphinx configuration of the sknets documentation.

Build with ``make docs`` (``python -m sphinx -W --keep-going -b html docs
docs/_build/html``).  The build needs no network: there is no intersphinx
inventory to fetch, so references to scikit-learn, PyTorch and skorch
objects are rendered as plain code.
"""

import os
import re
import sys
from pathlib import Path

# Use the source tree next to this file when it is there (a clone that is not
# installed); otherwise the installed package.
_REPO_ROOT = Path(__file__).resolve().parent.parent
if (_REPO_ROOT / "sknets" / "__init__.py").is_file():
    sys.path.insert(0, str(_REPO_ROOT))
# The docs' own helper modules (_benchmark_summary, _diagrams).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sknets  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "sknets"
author = "The sknets developers"
copyright = "The sknets developers"
release = sknets.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# _bench/ and _generated/ hold fragments pulled in with ``.. include::``, not pages.
exclude_patterns = ["_build", "_bench", "_generated", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

# -- autodoc / autosummary ---------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
autodoc_inherit_docstrings = True
# Importing sknets is cheap; nothing needs mocking.

# -- numpydoc ----------------------------------------------------------------
# autodoc's :members: (in the templates) lists the methods; numpydoc must not
# list them again, or every method would be documented twice.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Example gallery (sphinx-gallery) ---------------------------------------
# Only the plot_*.py examples are gallery pages, and they run during the
# build (about a minute on one core); the other examples print tables
# rather than draw, and some train for minutes, so the gallery leaves them
# out (the test suite runs every example with its quick flags).
sphinx_gallery_conf = {
    "examples_dirs": str(_REPO_ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"^(?!.*plot_).*\.py$",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
}

# -- HTML --------------------------------------------------------------------
try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:  # pragma: no cover - the docs extra installs it
    html_theme = "alabaster"
    html_theme_options = {}
else:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_prev_next": True,
        "secondary_sidebar_items": ["page-toc"],
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
    }
html_title = f"sknets {release}"
html_show_sourcelink = False
html_last_updated_fmt = None

# Keep the build reproducible and offline.
os.environ.setdefault("TQDM_DISABLE", "1")

# -- Docstrings inherited from scikit-learn ----------------------------------
# The estimator pages include the methods inherited from scikit-learn
# (get_params, score, set_fit_request...).  Their docstrings use
# :ref:/:term: targets that exist only in scikit-learn's own documentation;
# with no intersphinx (the build is offline) they would be unresolved
# references.  Rewrite them as links to scikit-learn's website (not fetched
# at build time) or, for labels without a known page, as plain text.
_SKLEARN_DOCS = "https://scikit-learn.org/stable/"
_SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
}
_SKLEARN_ROLE = re.compile(r":(ref|term):`([^`<]*?)\s*(?:<([^`>]*)>)?`")


def _sklearn_role_as_link(match):
    role, text, target = match.group(1), match.group(2).strip(), match.group(3)
    target = (target or text).strip()
    if role == "term":
        url = f"{_SKLEARN_DOCS}glossary.html#term-{re.sub(r'[^a-z0-9]+', '-', target.lower())}"
    elif target in _SKLEARN_LABELS:
        url = _SKLEARN_DOCS + _SKLEARN_LABELS[target]
    else:
        return text
    return f"`{text} <{url}>`__"


def _rewrite_sklearn_references(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] != "sklearn":
        return
    lines[:] = [_SKLEARN_ROLE.sub(_sklearn_role_as_link, line) for line in lines]


def _hide_private_bases(app, name, obj, options, bases):
    """List only public base classes (not helper mixins such as ``_MLPMixin``)."""
    bases[:] = [base for base in bases if not base.__name__.startswith("_")]


# -- Links to other projects' documentation ---------------------------------
# The build is offline, so intersphinx cannot fetch other projects'
# inventories.  A cross-reference to scikit-learn, NumPy, pandas, SciPy,
# PyTorch, joblib or Python that nothing here defines becomes a plain link
# to that project's page for the object, built from its documented URL
# pattern; private names (a leading underscore) stay text.
_PAGES = {
    "sklearn": "https://scikit-learn.org/stable/modules/generated/{}.html",
    "numpy": "https://numpy.org/doc/stable/reference/generated/{}.html",
    "pandas": "https://pandas.pydata.org/docs/reference/api/{}.html",
    "scipy": "https://docs.scipy.org/doc/scipy/reference/generated/{}.html",
    "torch": "https://docs.pytorch.org/docs/stable/generated/{}.html",
    "joblib": "https://joblib.readthedocs.io/en/stable/generated/{}.html",
}
_MODULE_PAGES = {
    "sklearn": "https://scikit-learn.org/stable/api/{}.html",
    "torch": "https://docs.pytorch.org/docs/stable/{}.html",
    "joblib": "https://joblib.readthedocs.io/en/stable/",
    "pickle": "https://docs.python.org/3/library/pickle.html",
    "skops": "https://skops.readthedocs.io/en/stable/persistence.html",
}
_SPECIAL_PAGES = {
    "torch.device": "https://docs.pytorch.org/docs/stable/tensor_attributes.html#torch.device",
    "torch.dtype": "https://docs.pytorch.org/docs/stable/tensor_attributes.html#torch.dtype",
    "skops.io.dump": "https://skops.readthedocs.io/en/stable/modules/classes.html#skops.io.dump",
    "skops.io.load": "https://skops.readthedocs.io/en/stable/modules/classes.html#skops.io.load",
    "skops.io.get_untrusted_types": (
        "https://skops.readthedocs.io/en/stable/modules/classes.html#skops.io.get_untrusted_types"
    ),
}


def _external_url(reftype, target):
    import builtins

    if target in _SPECIAL_PAGES:
        return _SPECIAL_PAGES[target]
    if any(part.startswith("_") for part in target.split(".")):
        return None
    package = target.split(".")[0]
    if reftype == "mod":
        pattern = _MODULE_PAGES.get(package)
        return pattern.format(target) if pattern else None
    builtin = getattr(builtins, target, None) if "." not in target else None
    if isinstance(builtin, type):
        page = "exceptions" if issubclass(builtin, BaseException) else "functions"
        return f"https://docs.python.org/3/library/{page}.html#{target}"
    pattern = _PAGES.get(package)
    return pattern.format(target) if pattern else None


def _link_to_other_projects(app, env, node, contnode):
    from docutils import nodes

    if node.get("refdomain") != "py":
        return None
    url = _external_url(node["reftype"], node["reftarget"])
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url, reftitle=node["reftarget"])
    reference += contnode
    return reference


def _write_estimator_table(app):
    """docs/_generated/estimators.rst: every public estimator, from the code.

    The kind comes from :func:`sknets.utils.all_estimators`, the data from
    each estimator's input adapter, the key parameters and the text from
    ``sknets._guide`` (whose text also opens each estimator's Notes), so the
    page lists exactly the estimators there are (tests/test_guide.py fits
    every listed kind of data).
    """
    from sknets._guide import GUIDE, KEY_PARAMETERS, input_kinds
    from sknets.utils import all_estimators

    kinds = _kinds_by_name()
    rows = [
        [
            f":class:`~sknets.{name}`",
            " and ".join(kinds[name]),
            ", ".join(input_kinds(cls)),
            ", ".join(f"``{p}``" for p in KEY_PARAMETERS[name]),
            GUIDE[name][0],
        ]
        for name, cls in all_estimators()
    ]
    lines = _list_table(
        "sknets._guide, the input adapters and all_estimators",
        ["estimator", "kind", "data", "key parameters", "when to use it"],
        rows,
        widths="20 11 12 21 36",
    )
    _write_generated(app, "estimators.rst", lines)


def _write_cost_and_result_table(app):
    """docs/_generated/estimator_results.rst: each estimator's measured cost and results.

    Time per epoch and parameter counts come from
    ``docs/_bench/estimator_costs.json`` (``benchmarks/estimator_costs.py``),
    the results from the quality benchmarks' tables (``docs/_benchmark_summary``);
    an estimator missing from the costs, or a quoted cell missing from its
    table, stops the build.
    """
    from _benchmark_summary import benchmark_results, estimator_costs

    from sknets._guide import GUIDE
    from sknets.utils import all_estimators

    costs = estimator_costs()
    missing = sorted({name for name, _ in all_estimators()} - set(costs["estimators"]))
    if missing:
        raise RuntimeError(
            f"docs/_bench/estimator_costs.json has no entry for {missing}: run "
            f"benchmarks/estimator_costs.py --only {','.join(missing)} --write-docs"
        )
    rows = []
    for name, _ in all_estimators():
        cost = costs["estimators"][name]
        rows.append(
            [
                f":class:`~sknets.{name}`",
                "; ".join(filter(None, (cost["data"], cost.get("note")))),
                f"{cost['parameters']:,}",
                _seconds(cost["seconds_per_epoch"]),
                benchmark_results(name) or "(no quality benchmark yet)",
                GUIDE[name][1],
            ]
        )
    lines = _list_table(
        "docs/_bench (estimator_costs.json and the quality tables) and sknets._guide",
        [
            "estimator",
            "reference data",
            "parameters",
            "s / epoch",
            "benchmark result",
            "what it costs",
        ],
        rows,
        widths="18 18 9 8 27 20",
    )
    _write_generated(app, "estimator_results.rst", lines)


def _write_accuracy_time_plot(app):
    """docs/_generated/accuracy_time.png: the quality benchmarks' accuracy against time."""
    from _benchmark_summary import write_accuracy_time_plot

    target = Path(app.srcdir) / "_generated" / "accuracy_time.png"
    target.parent.mkdir(exist_ok=True)
    write_accuracy_time_plot(target)


def _kinds_by_name():
    """Each public estimator's kinds ("classifier", "regressor", ...), by name."""
    from sknets.utils import all_estimators

    kinds = {}
    for kind in ("classifier", "regressor", "transformer", "generator"):
        for name, _ in all_estimators(kind):
            kinds.setdefault(name, []).append(kind)
    return kinds


def _seconds(value):
    """A time per epoch with two significant digits (0.0031, 0.27, 4.5, 120)."""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:#.2g}".rstrip(".")


def _write_training_defaults_table(app):
    """docs/_generated/training_defaults.rst: each estimator's training defaults, from the code."""
    from sknets.utils import all_estimators

    columns = ("max_iter", "batch_size", "solver", "learning_rate", "learning_rate_init")
    rows = []
    for name, cls in all_estimators():
        params = cls().get_params()
        rows.append(
            [f":class:`~sknets.{name}`", *(repr(params[c]).replace("'", "") for c in columns)]
        )
    lines = _list_table(
        "the estimators' defaults", ["estimator", *(f"``{c}``" for c in columns)], rows
    )
    _write_generated(app, "training_defaults.rst", lines)


def _write_names_tables(app):
    """docs/_generated/names.rst and peer_spellings.rst: the vocabulary, from the code.

    Every public parameter name with its one meaning (``sknets._vocabulary.TERMS``)
    and the estimators that take it, grouped by default; then the names users
    bring from other libraries and the name each maps to here.
    """
    from sknets._vocabulary import PEER_SPELLINGS, TERMS, parameter_users
    from sknets.utils import all_estimators

    networks = {name for name, _ in all_estimators()}  # all but TextTokenizer
    users = parameter_users()
    rows = []
    for name, term in TERMS.items():
        groups = sorted(users[name].items(), key=lambda item: -len(item[1]))
        cells = [f"{', '.join(names)} ({default})" for default, names in groups]
        if networks <= {user for _, names in groups for user in names}:
            # A shared parameter: the estimators that change its default, then the rest.
            usual = groups[0][0]
            cells = cells[1:] + [f"every {'other ' if cells[1:] else ''}estimator ({usual})"]
        rows.append([f"``{name}``", term.meaning, term.origin, "; ".join(cells)])
    lines = _list_table(
        "sknets._vocabulary.TERMS and the estimators' signatures",
        ["name", "meaning", "from", "estimators (default)"],
        rows,
        widths="17 33 16 34",
    )
    _write_generated(app, "names.rst", lines)
    peer_rows = [
        [f"``{peer}``", f"``{ours}``" if " " not in ours else ours, whose]
        for peer, (ours, whose) in sorted(PEER_SPELLINGS.items())
    ]
    lines = _list_table(
        "sknets._vocabulary.PEER_SPELLINGS",
        ["their name", "sknets' name", "whose"],
        peer_rows,
        widths="25 25 50",
    )
    _write_generated(app, "peer_spellings.rst", lines)


def _list_table(source, header, rows, widths=None):
    """The lines of a generated list-table with ``header`` and ``rows`` (lists of cells)."""
    lines = [
        f".. Generated by docs/conf.py from {source}; do not edit.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        *([f"   :widths: {widths}"] if widths else []),
        "",
    ]
    for row in [header, *rows]:
        lines += [f"   * - {row[0]}", *(f"     - {cell}" for cell in row[1:])]
    return lines


def _write_generated(app, name, lines):
    target = Path(app.srcdir) / "_generated" / name
    target.parent.mkdir(exist_ok=True)
    text = "\n".join(lines) + "\n"
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)


def _write_input_shapes(app):
    """docs/_generated/input_shapes.png: the layouts X may take, and who takes them."""
    from _diagrams import write_input_shapes

    write_input_shapes(Path(app.srcdir) / "_generated" / "input_shapes.png")


def setup(app):
    app.connect("builder-inited", _write_estimator_table)
    app.connect("builder-inited", _write_cost_and_result_table)
    app.connect("builder-inited", _write_accuracy_time_plot)
    app.connect("builder-inited", _write_training_defaults_table)
    app.connect("builder-inited", _write_input_shapes)
    app.connect("builder-inited", _write_names_tables)
    app.connect("autodoc-process-docstring", _rewrite_sklearn_references)
    app.connect("missing-reference", _link_to_other_projects)
    app.connect("autodoc-process-bases", _hide_private_bases)
