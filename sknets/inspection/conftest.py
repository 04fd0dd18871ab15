"""Skip the doctests of this subpackage where its optional dependencies are missing."""

import importlib.util

_MISSING = [name for name in ("captum", "matplotlib") if importlib.util.find_spec(name) is None]
collect_ignore = ["__init__.py", "_saliency.py", "_displays.py"] if _MISSING else []
