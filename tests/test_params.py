"""Parameters declared once: generated signatures, checks and docs stay exact."""

import ast
import inspect
import pickle
import textwrap

import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

import sknets
from sknets import FCNClassifier, MLPClassifier, ResNetClassifier
from sknets._params import SHARED_TRAINING_PARAMS, Param, install_parameters
from sknets.base import NeuralClassifier
from sknets.utils import all_estimators


def test_signature_is_explicit_and_ordered():
    parameters = inspect.signature(MLPClassifier).parameters
    # scikit-learn's MLP takes these two by position.
    assert [p.name for p in parameters.values()][:2] == ["hidden_layer_sizes", "activation"]
    assert parameters["hidden_layer_sizes"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert parameters["solver"].kind is inspect.Parameter.KEYWORD_ONLY
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    assert MLPClassifier((8,), "tanh").get_params()["activation"] == "tanh"
    assert MLPClassifier.__init__.__qualname__ == "MLPClassifier.__init__"


def test_unknown_argument_is_pythons_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'hiden_layer_sizes'"):
        MLPClassifier(hiden_layer_sizes=(3,))
    with pytest.raises(TypeError, match="positional"):
        FCNClassifier((8,))


@pytest.mark.parametrize("name, cls", all_estimators())
def test_constraints_signature_and_docs_agree(name, cls):
    signature = set(inspect.signature(cls).parameters)
    assert set(cls._parameter_constraints) == signature
    section = cls.__doc__.split("Parameters\n    ----------")[1].split("\n\n")[0]
    assert [
        line.split(" : ")[0].strip()
        for line in section.splitlines()
        if line.startswith("    ") and not line.startswith("     ")
    ] == list(inspect.signature(cls).parameters)


def test_shared_defaults_a_family_changes():
    # FCN declares only the shared defaults of its published protocol.
    params = FCNClassifier().get_params()
    assert (params["batch_size"], params["learning_rate"], params["max_iter"]) == (
        16,
        "plateau",
        2000,
    )
    assert 'batch_size : int or "auto", default=16' in FCNClassifier.__doc__
    assert MLPClassifier().batch_size == "auto"


def test_get_params_set_params_clone_repr_pickle_are_exact():
    est = ResNetClassifier(filters=(4, 8), kernel_size=(3,), max_iter=3)
    assert est.get_params()["kernel_size"] == (3,)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert repr(est) == "ResNetClassifier(filters=(4, 8), kernel_size=(3,), max_iter=3)"
    assert pickle.loads(pickle.dumps(est)).get_params() == est.get_params()
    assert est.set_params(max_iter=5).max_iter == 5


def test_parameter_constraints_come_from_the_declaration():
    with pytest.raises(InvalidParameterError, match="'kernel_size' parameter of FCNClassifier"):
        FCNClassifier(kernel_size=(3, 0, 2)).fit([[0.0, 1.0]] * 4, [0, 1, 0, 1])
    with pytest.raises(InvalidParameterError, match="'hidden_layer_sizes' parameter"):
        MLPClassifier(hidden_layer_sizes=(3, -1)).fit([[0.0]] * 4, [0, 1, 0, 1])


def _declare(name, body):
    namespace = {"NeuralClassifier": NeuralClassifier, "Param": Param}
    exec(textwrap.dedent(body), namespace)  # noqa: S102
    return namespace[name]


def test_a_family_declares_its_own_parameters_only():
    Toy = _declare(
        "Toy",
        '''
        class Toy(NeuralClassifier):
            """A toy.

            Examples
            --------
            >>> 1
            1
            """

            _params = (Param("width", 4, "int", "Width.", [int]),)
            _defaults = {"max_iter": 7}

            def _build_module(self, spec):
                raise NotImplementedError
        ''',
    )
    names = list(inspect.signature(Toy).parameters)
    assert names[0] == "width" and names[-2:] == ["device", "dtype"]
    # + class_weight, task_weights, fairness_penalty, fairness_constraint, device, dtype
    assert len(names) == 1 + len(SHARED_TRAINING_PARAMS) + 6
    assert Toy().max_iter == 7
    assert "    width : int, default=4\n        Width." in Toy.__doc__
    assert Toy.__doc__.index("Parameters") < Toy.__doc__.index("Examples")


def test_declaration_errors_are_caught_at_class_creation():
    with pytest.raises(TypeError, match="unknown parameters"):
        _declare(
            "Bad",
            """
            class Bad(NeuralClassifier):
                _defaults = {"max_iterations": 3}
            """,
        )
    with pytest.raises(TypeError, match="twice"):
        install_parameters(type("Twice", (), {"_params": (Param("a", 1, "int", "", []),) * 2}))


def test_an_explicit_init_is_kept():
    Explicit = _declare(
        "Explicit",
        """
        class Explicit(NeuralClassifier):
            def __init__(self, *, width=3, max_iter=200):
                self.width = width
                self.max_iter = max_iter
        """,
    )
    assert list(inspect.signature(Explicit).parameters) == ["width", "max_iter"]


def _code_lines(cls):
    """Lines of code of a class body, without docstrings (its own and its methods'),
    comments and blank lines."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    body = tree.body
    first = body[0] if body else None
    is_docstring = isinstance(first, ast.Expr) or (
        isinstance(first, ast.Assign) and getattr(first.targets[0], "id", "") == "__doc__"
    )
    if is_docstring:
        body = body[1:]
    source = textwrap.dedent(inspect.getsource(cls)).splitlines()
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and ast.get_docstring(node) is not None:
            docstring = node.body[0]
            docstrings.update(range(docstring.lineno, docstring.end_lineno + 1))
    lines = set()
    for node in body:
        for number in range(node.lineno, node.end_lineno + 1):
            text = source[number - 1].strip()
            if text and not text.startswith("#") and number not in docstrings:
                lines.add(number)
    return len(lines)


@pytest.mark.parametrize("name, cls", all_estimators())
def test_thin_estimators(name, cls):
    # An estimator plus the family code it does not share with a sibling
    # kind: at most 40 lines beyond docstrings (issue 10's target).
    estimators = all_estimators()
    family = [k for k in cls.__mro__ if k.__module__.startswith("sknets._")]
    shared_by = {k: sum(k in other.__mro__ for _, other in estimators) for k in family}
    # A class every estimator derives from is the base's, wherever it is written.
    own = [k for k in family if shared_by[k] < len(estimators)]
    total = sum(_code_lines(k) / shared_by[k] for k in own)
    assert total <= 40, (name, {k.__name__: _code_lines(k) for k in own})


def test_every_public_estimator_is_exported():
    assert {name for name, _ in all_estimators()} <= set(sknets.__all__)
