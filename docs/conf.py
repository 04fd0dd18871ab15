"""Sphinx configuration of the sknets documentation.

Build with ``make docs`` (``python -m sphinx -W --keep-going -b html docs
docs/_build/html``).  The build needs no network: there is no intersphinx
inventory to fetch, so references to scikit-learn, PyTorch and skorch
objects are rendered as plain code.
"""

import os
import sys
from pathlib import Path

# Use the source tree next to this file when it is there (a clone that is not
# installed); otherwise the installed package.
_REPO_ROOT = Path(__file__).resolve().parent.parent
if (_REPO_ROOT / "sknets" / "__init__.py").is_file():
    sys.path.insert(0, str(_REPO_ROOT))

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
]

templates_path = ["_templates"]
# _bench/ holds fragments pulled in with ``.. include::``, not pages.
exclude_patterns = ["_build", "_bench", "Thumbs.db", ".DS_Store"]
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
