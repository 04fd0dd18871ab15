"""Export fitted sknets estimators, alone or inside a Pipeline, to ONNX.

sknets registers a converter per estimator class with skl2onnx, so that
``skl2onnx.to_onnx(pipeline, X[:1])`` exports a whole scikit-learn
pipeline whose steps include sknets estimators.  Importing this module
registers them (when skl2onnx is installed); :func:`register_converters`
registers them again, or registers subclasses of your own.  ``import
sknets`` alone imports neither skl2onnx nor onnx.

The network is exported with PyTorch's TorchScript-based exporter
(``torch.onnx.export(..., dynamo=False)``, which needs no onnxscript) and
its graph is spliced into the skl2onnx model between the steps that the
estimator's ``predict`` adds around the network: a cast to the network's
dtype, the reshape of 2-D rows to ``input_shape_``, then for a classifier
the probabilities (``Softmax``, or ``Sigmoid`` for one binary logit) and
the labels (``ArgMax`` and a lookup in ``classes_``), named ``label`` and
``probabilities`` as skl2onnx names those of its own classifiers (with
its ``zipmap`` option); for a regressor the predictions ``(n_samples,
n_outputs)`` (exponentiated with ``loss="poisson"``); for a transformer
the output of ``transform``.
"""

import copy
import io
import warnings

import numpy as np

__all__ = ["NotExportableError", "register_converters"]

_EXTRA_HINT = 'pip install "sknets[onnx]"'
# The newest opset the TorchScript-based exporter writes; a newer target
# opset is reached with onnx's version converter.
_TORCH_MAX_OPSET = 20


class NotExportableError(RuntimeError):
    """The estimator's predictions cannot be computed by an ONNX graph.

    Raised by the sknets converters while skl2onnx converts a model (it is
    a :class:`RuntimeError`, as skl2onnx's own conversion errors are); the
    message names the estimator and the reason.

    Examples
    --------
    >>> from sknets.onnx import NotExportableError
    >>> issubclass(NotExportableError, RuntimeError)
    True
    """


def _import_skl2onnx():
    try:
        import onnx  # noqa: F401
        import skl2onnx
    except ImportError as error:
        raise ImportError(
            f"Exporting sknets estimators to ONNX needs skl2onnx and onnx: {_EXTRA_HINT}."
        ) from error
    return skl2onnx


def register_converters(estimators=None):
    """Register the sknets converters, shape calculators and parsers with skl2onnx.

    Importing :mod:`sknets.onnx` calls it for every public estimator; call
    it yourself to register your own subclasses of the sknets kinds.
    Classifiers accept skl2onnx's ``zipmap`` (True by default, False,
    ``"columns"``), ``nocl`` and ``output_class_labels`` options.

    Parameters
    ----------
    estimators : iterable of classes, default=None
        Subclasses of :class:`~sknets.base.NeuralEstimator` to register;
        None for every public sknets estimator.

    Returns
    -------
    registered : list of classes
        The classes registered.

    Raises
    ------
    ImportError
        If skl2onnx or onnx is not installed.

    Examples
    --------
    >>> import pytest
    >>> skl2onnx = pytest.importorskip("skl2onnx")
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknets import MLPClassifier
    >>> from sknets.onnx import register_converters
    >>> MLPClassifier in register_converters()
    True
    >>> X = np.random.RandomState(0).normal(size=(40, 3)).astype(np.float32)
    >>> y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    >>> pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
    >>> model = skl2onnx.to_onnx(pipe, X[:1], options={id(clf): {"zipmap": False}})
    >>> [output.name for output in model.graph.output]
    ['label', 'probabilities']
    """
    skl2onnx = _import_skl2onnx()
    from .base import NeuralClassifier

    if estimators is None:
        from .utils.discovery import all_estimators

        estimators = [cls for _, cls in all_estimators()]
    registered = []
    for cls in estimators:
        classifier = issubclass(cls, NeuralClassifier)
        skl2onnx.update_registered_converter(
            cls,
            f"Sknets{cls.__name__}",
            _shape_calculator,
            _convert,
            parser=_parse_classifier if classifier else _parse_model,
            options=(
                {
                    "zipmap": [True, False, "columns"],
                    "nocl": [False, True],
                    "output_class_labels": [False, True],
                }
                if classifier
                else None
            ),
        )
        registered.append(cls)
    return registered


# ----------------------------------------------------------------- checks
def _input_problem(estimator):
    """Why the estimator's input cannot be an ONNX tensor of float rows, or None."""
    from ._inputs import ForecastInput, ImageOrSeriesInput, TabularInput

    adapter = estimator._input_adapter()
    # An adapter that hands its work to another (CodecInput) is judged by that one.
    adapter = getattr(adapter, "inner", adapter)
    described = {
        "TokenInput": "token ids (vocab_size is set)",
        "TokenStreamInput": "token ids",
        "GraphInput": "a graph",
        "IdInput": "integer ids",
        "DictInput": "several inputs at once",
    }
    taken = next(
        (described[base.__name__] for base in type(adapter).__mro__ if base.__name__ in described),
        None,
    )
    if taken is None and not adapter.rows_independent:
        taken = "samples whose predictions depend on one another"
    if taken is None and isinstance(adapter, ForecastInput):
        return "it forecasts windows of a series, a layout the converter does not build"
    encoding = getattr(estimator, "table_encoding_", None)
    if taken is None and encoding is not None and not encoding.passthrough:
        return (
            "it was fitted on a table it encodes inside (categorical or missing values, or "
            f"numeric_transform={encoding.numeric_transform!r}), which the ONNX graph does "
            "not hold; fit it on numeric rows with numeric_transform=None, the encoding done "
            "by scikit-learn steps of the pipeline (OneHotEncoder, QuantileTransformer...)"
        )
    if taken is None and isinstance(adapter, TabularInput | ImageOrSeriesInput):
        return None
    return (
        f"it takes {taken or f'input through {type(adapter).__name__}'}; the ONNX export "
        "covers networks that take dense float rows, images or series"
    )


def _export_problem(estimator):
    """Why the fitted estimator cannot be exported, or None."""
    from .base import NeuralClassifier, NeuralEstimator, NeuralRegressor, NeuralTransformer

    if isinstance(estimator, NeuralTransformer):
        kind, methods = NeuralTransformer, ("transform", "_transform_tensor")
    elif isinstance(estimator, NeuralClassifier):
        kind, methods = NeuralClassifier, ("predict", "predict_proba", "predict_log_proba")
    elif isinstance(estimator, NeuralRegressor):
        kind, methods = NeuralRegressor, ("predict",)
    else:
        return "it generates samples; it has no predict or transform for a graph to compute"
    problem = _input_problem(estimator)
    if problem is not None:
        return problem
    cls = type(estimator)
    if cls._forward is not NeuralEstimator._forward:
        return f"its {methods[0]} adds computations of its own to the network's forward pass"
    for name in methods:
        if getattr(cls, name) is not getattr(kind, name):
            return f"it computes {name} in its own way, beyond the network's forward pass"
    if isinstance(estimator, NeuralClassifier) and estimator._output_kind not in (
        "binary",
        "multiclass",
    ):
        return (
            f"it was fitted on {estimator._output_kind} targets; the converter exports "
            "binary and multiclass classifiers"
        )
    return None


def _check_exportable(estimator):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    problem = _export_problem(estimator)
    if problem is not None:
        raise NotExportableError(
            f"{type(estimator).__name__} cannot be exported to ONNX: {problem}."
        )


def _class_labels(estimator):
    """``classes_`` as int64 or str, the two label types of skl2onnx's classifiers."""
    classes = np.asarray(estimator.classes_)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
        return classes.astype(np.int64)
    if classes.dtype.kind in "USO" and all(isinstance(label, str) for label in classes):
        return classes.astype(str)
    raise NotExportableError(
        f"{type(estimator).__name__} cannot be exported to ONNX: its classes_ "
        f"({classes.dtype}) are neither all integers nor all strings, the two label "
        "types an ONNX classifier has."
    )


# ---------------------------------------------------------------- parsers
# The checks run in the parser, the first call skl2onnx makes for a model,
# so that an estimator that cannot export is refused before any conversion.
def _parse_classifier(scope, model, inputs, custom_parsers=None):
    from skl2onnx._parse import _parse_sklearn_classifier

    _check_exportable(model)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


def _parse_model(scope, model, inputs, custom_parsers=None):
    from skl2onnx._parse import _parse_sklearn_simple_model

    _check_exportable(model)
    return _parse_sklearn_simple_model(scope, model, inputs, custom_parsers=custom_parsers)


# ------------------------------------------------------- shape calculator
def _shape_calculator(operator):
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType
    from skl2onnx.common.utils_classifier import get_label_classes

    from .base import NeuralClassifier, NeuralRegressor

    estimator = operator.raw_operator
    _check_exportable(estimator)
    n_rows = operator.inputs[0].get_first_dimension()
    tensor_type = _float_tensor_type(estimator)
    if isinstance(estimator, NeuralClassifier):
        labels = get_label_classes(operator.scope_inst, estimator)
        if not operator.scope_inst.get_options(estimator, dict(nocl=False))["nocl"]:
            labels = _class_labels(estimator)
        label_type = StringTensorType if np.asarray(labels).dtype.kind == "U" else Int64TensorType
        operator.outputs[0].set_type(label_type([n_rows]))
        operator.outputs[1].set_type(tensor_type([n_rows, len(estimator.classes_)]))
        return
    width = (
        estimator.n_outputs_
        if isinstance(estimator, NeuralRegressor)
        else len(estimator.get_feature_names_out())
    )
    operator.outputs[0].set_type(tensor_type([n_rows, width]))


def _float_tensor_type(estimator):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return DoubleTensorType if estimator._fitted_dtype == np.float64 else FloatTensorType


# -------------------------------------------------------------- converter
def _pooling_matrix(size, output_size, like):
    """The (output_size, size) matrix of PyTorch's adaptive average pooling along one axis."""
    import torch

    weights = torch.zeros(output_size, size, dtype=like.dtype, device=like.device)
    for index in range(output_size):
        start = (index * size) // output_size
        stop = -(-((index + 1) * size) // output_size)
        weights[index, start:stop] = 1.0 / (stop - start)
    return weights


def _exported_network(estimator):
    """A copy of the network that computes ``predict``'s (or ``transform``'s) raw output.

    Adaptive average pooling becomes products with constant matrices: the
    TorchScript-based exporter refuses an output size that does not divide
    the input size, and the sample shape is fixed at fit.
    """
    import torch

    from ._batches import primary_output
    from .base import NeuralTransformer

    class FixedShapeAdaptiveAvgPool(torch.nn.Module):
        def __init__(self, output_size, n_axes):
            super().__init__()
            sizes = output_size if isinstance(output_size, tuple | list) else (output_size,)
            self.output_size = tuple(sizes) * (n_axes if len(sizes) == 1 else 1)

        def forward(self, x):
            n_axes = len(self.output_size)
            for axis, output_size in enumerate(self.output_size):
                size = int(x.shape[x.dim() - n_axes + axis])
                weights = _pooling_matrix(size, output_size or size, x)
                # Pool the axis by moving it last, multiplying, and moving it back.
                x = (x.transpose(x.dim() - n_axes + axis, -1) @ weights.T).transpose(
                    x.dim() - n_axes + axis, -1
                )
            return x

    class ExportedNetwork(torch.nn.Module):
        def __init__(self, network, transform):
            super().__init__()
            self.network, self.transform = network, transform

        def forward(self, x):
            if self.transform:
                codes = primary_output(self.network.encode(x))
                return codes.reshape(codes.shape[0], -1)
            return primary_output(self.network(x))

    network = copy.deepcopy(estimator.module_).eval()
    for parent in list(network.modules()):
        for name, child in parent.named_children():
            for n_axes, pool in ((1, torch.nn.AdaptiveAvgPool1d), (2, torch.nn.AdaptiveAvgPool2d)):
                if type(child) is pool:
                    setattr(parent, name, FixedShapeAdaptiveAvgPool(child.output_size, n_axes))
    return ExportedNetwork(network, isinstance(estimator, NeuralTransformer))


def _sample_shape(estimator):
    shape = getattr(estimator, "input_shape_", None)
    return tuple(shape) if shape is not None else (estimator.n_features_in_,)


def _network_graph(estimator, opset):
    """The ONNX graph of the estimator's network, batch dimension dynamic."""
    import onnx
    import torch

    exported = _exported_network(estimator)
    dtype = torch.float64 if estimator._fitted_dtype == np.float64 else torch.float32
    example = torch.zeros((2, *_sample_shape(estimator)), dtype=dtype, device=estimator.device_)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript-based exporter is deprecated but needs no onnxscript;
        # tracing fixes data-dependent branches (a series' NaN padding), a
        # limit the documentation states.
        warnings.simplefilter("ignore")
        # Gradients stay enabled: under no_grad, PyTorch's transformer layers take a
        # fused fast path that has no ONNX export (the copy's weights are the ones
        # that require them, nothing is trained).
        with estimator._evaluation():
            torch.onnx.export(
                exported,
                (example,),
                buffer,
                dynamo=False,
                opset_version=min(opset, _TORCH_MAX_OPSET),
                input_names=["x"],
                output_names=["y"],
                dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
                do_constant_folding=True,
            )
    model = onnx.load_from_string(buffer.getvalue())
    if opset > _TORCH_MAX_OPSET:
        model = onnx.version_converter.convert_version(model, opset)
    return model.graph


def _splice(graph, input_name, scope, container):
    """Add the nodes and weights of ``graph`` to the container; return its output's name."""
    from onnx import helper, numpy_helper

    names = {graph.input[0].name: input_name, "": ""}

    def renamed(name):
        if name not in names:
            names[name] = scope.get_unique_variable_name(f"net_{name}")
        return names[name]

    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor)
        container.add_initializer(
            renamed(tensor.name), tensor.data_type, list(array.shape), array.ravel()
        )
    for node in graph.node:
        attributes = {
            attribute.name: helper.get_attribute_value(attribute) for attribute in node.attribute
        }
        inputs = [renamed(name) for name in node.input]
        while inputs and not inputs[-1]:
            inputs.pop()  # omitted optional inputs at the end may be left out
        if "" in inputs:
            # skl2onnx orders nodes by their inputs' producers and finds none for an
            # omitted optional input before a given one: give it its default value.
            if node.op_type not in _RECURRENT_OPS or inputs.index("") != 4 or "" in inputs[5:]:
                raise NotExportableError(
                    f"The network's ONNX graph omits an optional input of a {node.op_type} "
                    "node before a given one, which skl2onnx cannot order."
                )
            inputs[4] = _full_sequence_lengths(
                inputs[0], attributes.get("layout", 0), scope, container
            )
        container.add_node(
            node.op_type,
            inputs,
            [renamed(name) for name in node.output],
            op_domain=node.domain,
            name=scope.get_unique_operator_name(f"net_{node.op_type}"),
            **attributes,
        )
    return renamed(graph.output[0].name)


_RECURRENT_OPS = ("LSTM", "GRU", "RNN")


def _full_sequence_lengths(steps, layout, scope, container):
    """A recurrent node's ``sequence_lens`` when it is omitted: every sequence runs whole."""
    from onnx import TensorProto

    shape = scope.get_unique_variable_name("steps_shape")
    container.add_node("Shape", steps, shape)
    axes = {"length": 0 if layout == 0 else 1, "batch": 1 if layout == 0 else 0}
    sizes = {}
    for what, axis in axes.items():
        index = scope.get_unique_variable_name(f"{what}_axis")
        container.add_initializer(index, TensorProto.INT64, [1], [axis])
        sizes[what] = scope.get_unique_variable_name(what)
        container.add_node("Gather", [shape, index], sizes[what], axis=0)
    length = scope.get_unique_variable_name("length_int32")
    container.add_node("Cast", sizes["length"], length, to=TensorProto.INT32)
    lengths = scope.get_unique_variable_name("sequence_lens")
    container.add_node("Expand", [length, sizes["batch"]], lengths)
    return lengths


def _convert(scope, operator, container):
    from onnx import TensorProto
    from skl2onnx.common.utils_classifier import get_label_classes

    from .base import NeuralClassifier

    estimator = operator.raw_operator
    _check_exportable(estimator)
    float_type = TensorProto.DOUBLE if estimator._fitted_dtype == np.float64 else TensorProto.FLOAT
    rows = scope.get_unique_variable_name("network_input")
    container.add_node("Cast", operator.inputs[0].full_name, rows, to=float_type)
    # 2-D rows (after a StandardScaler, say) take the sample shape the network was fitted on.
    shape = scope.get_unique_variable_name("sample_shape")
    container.add_initializer(
        shape,
        TensorProto.INT64,
        [1 + len(_sample_shape(estimator))],
        [-1, *_sample_shape(estimator)],
    )
    shaped = scope.get_unique_variable_name("network_input")
    container.add_node("Reshape", [rows, shape], shaped)
    output = _splice(_network_graph(estimator, container.target_opset), shaped, scope, container)

    if not isinstance(estimator, NeuralClassifier):
        result = operator.outputs[0].full_name
        if estimator._output_kind == "log-mean":
            container.add_node("Exp", output, result)
        else:
            container.add_node("Identity", output, result)
        return

    label, probabilities = operator.outputs[0].full_name, operator.outputs[1].full_name
    if estimator._output_kind == "binary":
        # Both columns from the logit: sigmoid(-l) is exact where 1 - sigmoid(l) is not.
        negative = scope.get_unique_variable_name("negative_logit")
        container.add_node("Neg", output, negative)
        logits = scope.get_unique_variable_name("logits")
        container.add_node("Concat", [negative, output], logits, axis=1)
        container.add_node("Sigmoid", logits, probabilities)
    else:
        logits = output
        container.add_node("Softmax", logits, probabilities, axis=1)
    # The label of the largest logit, as predict takes it (not of the rounded probability).
    index = scope.get_unique_variable_name("class_index")
    container.add_node("ArgMax", logits, index, axis=1, keepdims=0)
    labels = get_label_classes(scope, estimator)
    if not scope.get_options(estimator, dict(nocl=False))["nocl"]:
        labels = _class_labels(estimator)
    labels = np.asarray(labels)
    table = scope.get_unique_variable_name("classes")
    if labels.dtype.kind == "U":
        container.add_initializer(
            table, TensorProto.STRING, [len(labels)], [label.encode() for label in labels]
        )
    else:
        container.add_initializer(table, TensorProto.INT64, [len(labels)], labels.astype(np.int64))
    container.add_node("Gather", [table, index], label, axis=0)


try:
    register_converters()
except ImportError:
    pass  # register_converters names the extra when called without skl2onnx
