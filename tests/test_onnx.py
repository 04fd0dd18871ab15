"""Export to ONNX through skl2onnx (sknets.onnx): onnxruntime reproduces the estimators."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import sknets

skl2onnx = pytest.importorskip("skl2onnx")
onnxruntime = pytest.importorskip("onnxruntime")
sknets_onnx = pytest.importorskip("sknets.onnx")

IMAGE = {"input_shape": (1, 8, 8)}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    keep = y < 4
    X, y = X[keep].astype(np.float32), y[keep]
    return X[:160], y[:160], X[160:260], y[160:260]


def _fitted(estimator_class, X, y, scaler=StandardScaler, **params):
    estimator = estimator_class(**{**estimator_class._get_test_params(), "max_iter": 3, **params})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_pipeline(scaler(), estimator).fit(X, y), estimator


def _run(model, X):
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _labels(y, kind):
    if kind.startswith("binary"):
        y = (y >= 2).astype(np.int64)
    if kind.endswith("str"):
        return np.array(["zero", "one", "two", "three"])[y]
    return y * 10 - 5  # ints that are not the class indices


# The tabular networks quantile-transform inside by default, which an
# export refuses (test_tables); numbers as given export.
_NUMERIC_AS_GIVEN = {"numeric_transform": None}


@pytest.mark.parametrize(
    ("estimator_class", "params", "labels"),
    [
        (sknets.MLPClassifier, {}, "multiclass_int"),
        (sknets.MLPClassifier, {}, "multiclass_str"),
        (sknets.MLPClassifier, {}, "binary_int"),
        (sknets.MLPClassifier, {}, "binary_str"),
        (sknets.TabMClassifier, _NUMERIC_AS_GIVEN, "multiclass_str"),
        (sknets.TabMClassifier, _NUMERIC_AS_GIVEN, "binary_int"),
        (sknets.CNNClassifier, IMAGE, "multiclass_int"),
        (sknets.LeNetClassifier, IMAGE, "binary_str"),
        (sknets.ResNetClassifier, IMAGE, "multiclass_str"),
        (sknets.ResNetClassifier, {**IMAGE, "resize": 12}, "binary_str"),
        (sknets.VGGClassifier, IMAGE, "binary_int"),
        (sknets.MobileNetClassifier, IMAGE, "multiclass_int"),
        (sknets.FCNClassifier, {}, "multiclass_int"),
        (sknets.LSTMClassifier, {"hidden_size": 8}, "multiclass_str"),
        (sknets.GRUClassifier, {"hidden_size": 8, "pooling": "mean"}, "binary_int"),
        (sknets.RNNClassifier, {"hidden_size": 8, "pooling": "attention"}, "multiclass_int"),
        (sknets.TransformerClassifier, {}, "binary_str"),
        (sknets.FTTransformerClassifier, {"n_layers": 2, **_NUMERIC_AS_GIVEN}, "multiclass_str"),
        (sknets.DBNClassifier, {}, "multiclass_int"),
    ],
)
def test_classifier_pipeline_matches_onnxruntime(digits, estimator_class, params, labels):
    X, y, X_test, _ = digits
    y = _labels(y, labels)
    scaler = MinMaxScaler if estimator_class is sknets.DBNClassifier else StandardScaler
    pipe, estimator = _fitted(estimator_class, X, y, scaler, **params)
    model = skl2onnx.to_onnx(pipe, X[:1], options={id(estimator): {"zipmap": False}})
    assert [output.name for output in model.graph.output] == ["label", "probabilities"]
    label, probabilities = _run(model, X_test)
    np.testing.assert_array_equal(label, pipe.predict(X_test))
    np.testing.assert_allclose(probabilities, pipe.predict_proba(X_test), rtol=0, atol=1e-5)
    # The batch dimension is dynamic.
    np.testing.assert_array_equal(_run(model, X_test[:1])[0], pipe.predict(X_test[:1]))


def test_zipmap_default_gives_one_dict_per_row(digits):
    X, y, X_test, _ = digits
    pipe, _ = _fitted(sknets.MLPClassifier, X, _labels(y, "multiclass_str"))
    label, probabilities = _run(skl2onnx.to_onnx(pipe, X[:1]), X_test[:5])
    np.testing.assert_array_equal(label, pipe.predict(X_test[:5]))
    expected = pipe.predict_proba(X_test[:5])
    classes = pipe[-1].classes_
    for row, row_expected in zip(probabilities, expected, strict=True):
        assert sorted(row) == sorted(classes)
        np.testing.assert_allclose([row[c] for c in classes], row_expected, atol=1e-5)


def test_float64_input_and_older_opset(digits):
    X, y, X_test, _ = digits
    pipe, estimator = _fitted(sknets.CNNClassifier, X, y, **IMAGE)
    X64 = X.astype(np.float64)
    model = skl2onnx.to_onnx(
        pipe, X64[:1], target_opset=17, options={id(estimator): {"zipmap": False}}
    )
    assert {opset.version for opset in model.opset_import if opset.domain == ""} == {17}
    label, probabilities = _run(model, X_test.astype(np.float64))
    np.testing.assert_array_equal(label, pipe.predict(X_test))
    np.testing.assert_allclose(probabilities, pipe.predict_proba(X_test), atol=1e-5)


@pytest.mark.parametrize(
    ("estimator_class", "params"),
    [
        (sknets.MLPRegressor, {}),
        (sknets.MLPRegressor, {"loss": "poisson"}),
        (sknets.TabMRegressor, _NUMERIC_AS_GIVEN),
        (sknets.TabMRegressor, {"loss": "poisson", **_NUMERIC_AS_GIVEN}),
        (sknets.CNNRegressor, IMAGE),
        (sknets.LSTMRegressor, {"hidden_size": 8}),
        (sknets.TransformerRegressor, {}),
        (sknets.FTTransformerRegressor, {"n_layers": 2, **_NUMERIC_AS_GIVEN}),
    ],
)
def test_regressor_pipeline_matches_onnxruntime(digits, estimator_class, params):
    X, y, X_test, _ = digits
    targets = np.column_stack([y, X[:, 20] / 4]) if estimator_class is sknets.CNNRegressor else y
    pipe, _ = _fitted(estimator_class, X, targets.astype(np.float64), **params)
    (prediction,) = _run(skl2onnx.to_onnx(pipe, X[:1]), X_test)
    expected = pipe.predict(X_test)
    # skl2onnx's regressors answer (n_samples, n_targets), a single target included.
    assert prediction.shape == (len(X_test), targets.ndim)
    np.testing.assert_allclose(prediction.reshape(expected.shape), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "estimator_class",
    [
        sknets.AutoencoderTransformer,
        sknets.RBMTransformer,
        sknets.DBNTransformer,
        sknets.VAEGenerator,
    ],
)
def test_transform_matches_onnxruntime(digits, estimator_class):
    X, y, X_test, _ = digits
    pipe, _ = _fitted(estimator_class, X, None, MinMaxScaler)
    X_test = np.clip(X_test, X.min(axis=0), X.max(axis=0))  # scaled into [0, 1] for the RBMs
    (codes,) = _run(skl2onnx.to_onnx(pipe, X[:1]), X_test)
    np.testing.assert_allclose(codes, pipe.transform(X_test), rtol=1e-5, atol=1e-5)


def test_registered_subclass_exports(digits):
    class WideMLP(sknets.MLPClassifier):
        pass

    X, y, X_test, _ = digits
    pipe, estimator = _fitted(WideMLP, X, y)
    with pytest.raises(RuntimeError, match="WideMLP"):
        skl2onnx.to_onnx(pipe, X[:1])  # skl2onnx knows no converter for it yet
    assert sknets_onnx.register_converters([WideMLP]) == [WideMLP]
    model = skl2onnx.to_onnx(pipe, X[:1], options={id(estimator): {"zipmap": False}})
    np.testing.assert_array_equal(_run(model, X_test)[0], pipe.predict(X_test))


@pytest.mark.parametrize(
    ("estimator_class", "params", "data", "reason"),
    [
        (sknets.LSTMClassifier, {"vocab_size": 20}, "tokens", "token ids"),
        (sknets.MLPClassifier, {}, "multilabel", "multilabel targets"),
        (sknets.GANGenerator, {}, "rows", "generates samples"),
        (sknets.GNNClassifier, {}, "rows", "a graph"),
        (sknets.ZeroShotClassifier, {}, "rows", "its predict adds computations"),
    ],
)
def test_unsupported_estimators_say_why(digits, estimator_class, params, data, reason):
    X, y, _, _ = digits
    if data == "tokens":
        X = np.random.RandomState(0).randint(1, 20, size=(40, 6))
        y = y[:40]
    elif data == "multilabel":
        y = np.column_stack([y % 2, y >= 2]).astype(np.int64)
    estimator = estimator_class(
        **{**estimator_class._get_test_params(), "max_iter": 2, "verbose": 0, **params}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    with pytest.raises(sknets_onnx.NotExportableError, match=estimator_class.__name__) as error:
        skl2onnx.to_onnx(estimator, X[:1])
    assert reason in str(error.value)


def test_unfitted_estimator_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        skl2onnx.to_onnx(sknets.MLPClassifier(), np.zeros((1, 3), dtype=np.float32))


def test_import_sknets_imports_no_onnx_package():
    code = (
        "import sys, sknets; "
        "print(sorted(m for m in ('skl2onnx', 'onnx', 'onnxruntime') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
