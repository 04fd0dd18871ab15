"""The type stubs: what the parameter declarations give, and what type checkers read."""

import ast
import importlib.util
import inspect
import subprocess
import sys
import textwrap
from inspect import Parameter
from pathlib import Path

import pytest

import sknets
from sknets import MLPClassifier

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = "run python tools/write_stubs.py"

_spec = importlib.util.spec_from_file_location("write_stubs", ROOT / "tools" / "write_stubs.py")
write_stubs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(write_stubs)

PUBLIC_CLASSES = [
    (name, getattr(sknets, name))
    for name in sknets.__all__
    if inspect.isclass(getattr(sknets, name))
]


def test_stubs_are_what_the_generator_writes():
    stale = write_stubs.stale_stubs(write_stubs.stub_sources())
    assert not stale, f"stale stubs {[path.name for path in stale]}: {REGENERATE}"


def test_a_changed_default_makes_its_stub_stale(monkeypatch, capsys):
    monkeypatch.setitem(MLPClassifier.__init__.__kwdefaults__, "max_iter", 300)
    assert write_stubs.main(["--check"]) == 1
    assert "stale: sknets/_mlp.pyi" in capsys.readouterr().out.splitlines()


def test_a_stub_the_generator_no_longer_writes_is_stale(tmp_path, monkeypatch):
    # A generated stub of a module that lost its estimators; hand-written ones stay.
    left_over = tmp_path / "_removed.pyi"
    left_over.write_text(write_stubs.HEADER)
    (tmp_path / "hand_written.pyi").write_text("def f() -> None: ...\n")
    monkeypatch.setattr(write_stubs, "PACKAGE", tmp_path)
    assert write_stubs.stale_stubs({}) == [left_over]


def _declared_parameters(function):
    """``(name, kind, default node or None)`` of each parameter of a parsed ``def``."""
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + arguments.defaults
    kinds = [Parameter.POSITIONAL_ONLY] * len(arguments.posonlyargs) + [
        Parameter.POSITIONAL_OR_KEYWORD
    ] * len(arguments.args)
    declared = list(zip([arg.arg for arg in positional], kinds, defaults, strict=True))
    if arguments.vararg:
        declared.append((arguments.vararg.arg, Parameter.VAR_POSITIONAL, None))
    declared += [
        (arg.arg, Parameter.KEYWORD_ONLY, default)
        for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
    ]
    if arguments.kwarg:
        declared.append((arguments.kwarg.arg, Parameter.VAR_KEYWORD, None))
    return declared


def _is_literal(value):
    try:
        read_back = ast.literal_eval(repr(value))
    except (ValueError, SyntaxError):
        return False
    return type(read_back) is type(value) and read_back == value


@pytest.mark.parametrize("name, cls", PUBLIC_CLASSES)
def test_static_signature_is_the_run_time_one(name, cls):
    # Static tools read the stub where there is one, else the module's source.
    module = Path(inspect.getfile(cls))
    path = module.with_suffix(".pyi") if module.with_suffix(".pyi").is_file() else module
    classes = [
        node
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.ClassDef) and node.name == name
    ]
    assert classes, f"{path.name} does not declare {name}: {REGENERATE}"
    inits = [node for node in classes[0].body if getattr(node, "name", None) == "__init__"]
    assert inits, f"{path.name} does not show {name}.__init__: {REGENERATE}"
    declared = _declared_parameters(inits[0])
    run_time = inspect.signature(cls.__init__).parameters.values()
    assert [(n, kind) for n, kind, _ in declared] == [(p.name, p.kind) for p in run_time], (
        f"{path.name} declares other parameters than {name}'s: {REGENERATE}"
    )
    for (parameter, _, node), value in zip(declared, (p.default for p in run_time), strict=True):
        if node is None:
            assert value is Parameter.empty, parameter
        elif isinstance(node, ast.Constant) and node.value is Ellipsis:
            # "..." stands for a default that no literal writes.
            assert not _is_literal(value), f"{name}({parameter}=...): {REGENERATE}"
        else:
            stub_value = ast.literal_eval(node)
            assert (type(stub_value), stub_value) == (type(value), value), (
                f"{name}({parameter}={stub_value!r}) is {value!r} at run time: {REGENERATE}"
            )


# What users write: every public class with its defaults (none may be abstract to
# a type checker), arguments of the types the run-time checks accept (numpy
# scalars, lists), methods and properties of the stubs and of sknets.base.
USER_CODE = """
import numpy as np

from sknets import {names}

{instances}
MLPClassifier(hidden_layer_sizes=(10,), max_iter=5)
GPTGenerator(block_size=8)
classifier = MLPClassifier(
    [64, np.int64(32)], "tanh", alpha=np.float32(1e-3), shuffle=np.True_, device="cpu"
)
classifier.fit([[0.0], [1.0]], [0, 1]).predict_proba([[0.5]])
weights = classifier.coefs_
GPTGenerator().generate("The", max_new_tokens=10)
CollaborativeFilteringRegressor().recommend([1, 2], n=5)
VGGClassifier(filters=[64, 128], n_blocks=(1, np.int64(2)))
TextTokenizer(level="char")
"""

MYPY_CONFIG = """
[mypy]
# Report the errors of the files named (the user code and the stubs), reading
# sknets' source and numpy's annotations for the types they give.
follow_imports = silent
# scikit-learn, skorch, scipy and pandas have no type information.
ignore_missing_imports = True

[mypy-torch.*]
# torch's annotations take most of a minute to read: its types are Any here.
follow_imports = skip

[mypy-sknets.*]
# The stubs declare the run-time signatures, and some estimators' fit differs
# from the base's (the graph's adjacency, no sample_weight).
disable_error_code = override
"""


def test_type_checker_reads_the_signatures(tmp_path):
    pytest.importorskip("mypy", reason="mypy (in the dev extras) is not installed")
    names = [name for name, _ in PUBLIC_CLASSES]
    user_code = tmp_path / "user_code.py"
    user_code.write_text(
        USER_CODE.format(names=", ".join(names), instances="\n".join(f"{n}()" for n in names))
    )
    misspelt = tmp_path / "misspelt.py"
    misspelt.write_text(
        "from sknets import MLPClassifier\n\nMLPClassifier(hiden_layer_sizes=(10,))\n"
    )
    config = tmp_path / "mypy.ini"
    config.write_text(textwrap.dedent(MYPY_CONFIG))
    stubs = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "sknets").rglob("*.pyi"))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config)]
        + ["--cache-dir", str(tmp_path / "cache"), str(user_code), str(misspelt), *stubs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout + result.stderr
    assert errors[0].startswith(f"{misspelt}:3: error: ")
    assert 'Unexpected keyword argument "hiden_layer_sizes" for "MLPClassifier"' in errors[0]
