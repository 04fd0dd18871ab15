"""Saving and loading: skops (the safe format), pickle, and MLflow, for every estimator.

A fitted estimator's state is plain numbers and numpy arrays (see
sknets/_persistence.py), so skops saves it, its file names no type but
sknets' own, a tampered file is refused before anything in it runs, and
a pickle needs no torch class to load.
"""

import io
import json
import os
import pickle
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import MLPClassifier, TextTokenizer
from sknets.utils import all_estimators, trusted_types

skops_io = pytest.importorskip("skops.io")
from skops.io.exceptions import UntrustedTypesFoundException  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:Got batch_size"),
]

ESTIMATORS = all_estimators()
TEXTS = ["to be or not to be", "that is the question", "whether tis nobler"]


def _data(name, cls):
    """Training data the estimator takes, its targets (None: unsupervised), new rows."""
    rng = np.random.RandomState(0)
    if name == "GPTGenerator":
        return TEXTS, None, TEXTS[:2]
    if name == "CollaborativeFilteringRegressor":
        X = rng.randint(0, 6, size=(48, 2))
        return X, rng.uniform(1, 5, size=48), X[:10]
    X = rng.uniform(size=(48, 6)).astype(np.float32)
    kind = cls().__sklearn_tags__().estimator_type
    if kind == "classifier":
        return X, np.arange(48) % 3, X[:10]
    if kind == "regressor":
        return X, rng.uniform(size=48), X[:10]
    return X, None, X[:10]


def _fitted(name, cls, device="cpu"):
    X, y, X_new = _data(name, cls)
    params = {**cls._get_test_params(), "max_iter": 3, "device": device}
    estimator = cls(**params)
    estimator.fit(X) if y is None else estimator.fit(X, y)
    return estimator, X, y, X_new


def _outputs(estimator, X_new):
    """Every deterministic answer of an estimator on new rows."""
    outputs = {}
    for method in ("predict", "predict_proba", "transform", "score_samples"):
        if hasattr(estimator, method):
            outputs[method] = np.asarray(getattr(estimator, method)(X_new))
    if hasattr(estimator, "sample"):
        sample = estimator.sample(3, random_state=0)
        outputs["sample"] = np.asarray(sample, dtype=object if isinstance(sample, list) else None)
    return outputs


def _assert_same_outputs(first, second):
    assert first.keys() == second.keys()
    for method in first:
        np.testing.assert_array_equal(first[method], second[method], err_msg=method)


# -------------------------------------------------------- skops, every estimator
@pytest.fixture(scope="module")
def saved_estimators(tmp_path_factory):
    """Every estimator fitted, saved with skops, with its answers; and a fresh process's."""
    folder = tmp_path_factory.mktemp("skops")
    expected = {}
    for name, cls in ESTIMATORS:
        estimator, _, _, X_new = _fitted(name, cls)
        skops_io.dump(estimator, folder / f"{name}.skops")
        np.save(folder / f"{name}-new.npy", np.asarray(X_new, dtype=object), allow_pickle=True)
        expected[name] = _outputs(estimator, X_new)
    script = f"""
import pickle, sys, warnings
import numpy as np
import skops.io
from sknets.utils import trusted_types
sys.path.insert(0, {os.path.dirname(__file__)!r})
from test_persistence import _outputs
warnings.simplefilter("ignore")
answers = {{}}
for name in {[name for name, _ in ESTIMATORS]!r}:
    estimator = skops.io.load({str(folder)!r} + f"/{{name}}.skops", trusted=trusted_types())
    X_new = np.load({str(folder)!r} + f"/{{name}}-new.npy", allow_pickle=True)
    X_new = list(X_new) if X_new.dtype == object and X_new.ndim == 1 else X_new.astype(
        np.int64 if name == "CollaborativeFilteringRegressor" else np.float32)
    answers[name] = _outputs(estimator, X_new)
sys.stdout.buffer.write(pickle.dumps(answers))
"""
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    return folder, expected, pickle.loads(completed.stdout)


@pytest.mark.parametrize("name", [name for name, _ in ESTIMATORS])
def test_skops_round_trip_gives_the_same_answers_in_a_fresh_process(saved_estimators, name):
    _, expected, loaded = saved_estimators
    _assert_same_outputs(expected[name], loaded[name])


@pytest.mark.parametrize("name", [name for name, _ in ESTIMATORS])
def test_a_skops_file_names_only_sknets_types(saved_estimators, name):
    folder, _, _ = saved_estimators
    untrusted = skops_io.get_untrusted_types(file=folder / f"{name}.skops")
    assert untrusted, "an sknets estimator is not one of skops' default types"
    assert all(type_name.startswith("sknets.") for type_name in untrusted), untrusted
    assert set(untrusted) <= set(trusted_types())


def test_skops_refuses_sknets_types_unless_trusted(saved_estimators):
    folder, _, _ = saved_estimators
    with pytest.raises(UntrustedTypesFoundException, match="sknets"):
        skops_io.load(folder / "MLPClassifier.skops")


@pytest.mark.parametrize("name, cls", ESTIMATORS)
def test_unfitted_estimators_round_trip(name, cls):
    estimator = cls(**cls._get_test_params())
    loaded = skops_io.loads(skops_io.dumps(estimator), trusted=trusted_types())
    assert type(loaded) is cls
    assert repr(loaded.get_params()) == repr(estimator.get_params())
    assert not hasattr(loaded, "net_")


def test_a_fitted_tokenizer_and_a_pipeline_round_trip(iris):
    tokenizer = TextTokenizer().fit(TEXTS)
    loaded = skops_io.loads(skops_io.dumps(tokenizer), trusted=trusted_types())
    np.testing.assert_array_equal(loaded.transform(TEXTS), tokenizer.transform(TEXTS))
    X, y = iris
    pipeline = make_pipeline(StandardScaler(), MLPClassifier(max_iter=3, random_state=0))
    pipeline.fit(X, y)
    loaded = skops_io.loads(skops_io.dumps(pipeline), trusted=trusted_types())
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


# ---------------------------------------------------- training continues after a load
def _continue(estimator, X, y, how):
    if how == "partial_fit":
        estimator.partial_fit(X) if y is None else estimator.partial_fit(X, y)
    else:
        estimator.set_params(warm_start=True, max_iter=2)
        estimator.fit(X) if y is None else estimator.fit(X, y)
    return estimator


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("name, cls", ESTIMATORS)
def test_training_continues_after_loading_as_if_never_saved(name, cls, how):
    # The optimizers' moments, the counters and the stopping rules' state are
    # saved with the weights: a continued fit of a loaded copy is the
    # continued fit of the original, to the bit.
    estimator, X, y, X_new = _fitted(name, cls)
    loaded = skops_io.loads(skops_io.dumps(estimator), trusted=trusted_types())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _continue(estimator, X, y, how)
        _continue(loaded, X, y, how)
    assert loaded.n_iter_ == estimator.n_iter_ and loaded.t_ == estimator.t_
    assert loaded.loss_curve_ == estimator.loss_curve_
    _assert_same_outputs(_outputs(estimator, X_new), _outputs(loaded, X_new))


# ------------------------------------------------------------------- devices
@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_model_saved_on_a_gpu_loads_on_the_cpu(iris):
    X, y = iris
    estimator = MLPClassifier(max_iter=3, random_state=0, device="cpu").fit(X, y)
    expected = estimator.predict_proba(X)
    state = estimator.__getstate__()
    # What a fit on a GPU saves: the same arrays, the device named "cuda:0".
    state["net_"]["device"], state["device_"] = "cuda:0", "cuda:0"
    on_gpu = MLPClassifier.__new__(MLPClassifier)
    with pytest.warns(UserWarning, match='trained on CUDA.*"cpu"'):
        on_gpu.__setstate__(state)
    loaded = skops_io.loads(skops_io.dumps(on_gpu), trusted=trusted_types())
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


def test_loading_leaves_the_global_random_state_alone(iris):
    X, y = iris
    payload = skops_io.dumps(MLPClassifier(max_iter=2, random_state=0).fit(X, y))
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    skops_io.loads(payload, trusted=trusted_types())
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)


# ------------------------------------------------------------ tampered files
def _rewrite(payload, member, new_bytes):
    source, target = zipfile.ZipFile(io.BytesIO(payload)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as rewritten:
        for item in source.infolist():
            data = new_bytes if item.filename == member else source.read(item.filename)
            rewritten.writestr(item, data)
    return target.getvalue()


class _Payload:
    """Creates a file when unpickled: proof that a load executed code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_file_naming_an_unknown_type_is_refused_without_running_it(tmp_path, iris):
    X, y = iris
    payload = skops_io.dumps(MLPClassifier(max_iter=2, random_state=0).fit(X, y))
    schema = json.loads(zipfile.ZipFile(io.BytesIO(payload)).read("schema.json"))
    # The estimator's own node now claims to be os.system.
    schema["__module__"], schema["__class__"] = "os", "system"
    tampered = _rewrite(payload, "schema.json", json.dumps(schema).encode())
    assert "os.system" in skops_io.get_untrusted_types(data=tampered)
    with pytest.raises(UntrustedTypesFoundException, match="os.system"):
        skops_io.loads(tampered, trusted=trusted_types())


def test_a_pickle_injected_into_an_array_is_refused_without_running_it(tmp_path, iris):
    X, y = iris
    payload = skops_io.dumps(MLPClassifier(max_iter=2, random_state=0).fit(X, y))
    archive = zipfile.ZipFile(io.BytesIO(payload))
    array_file = next(name for name in archive.namelist() if name.endswith(".npy"))
    marker = tmp_path / "executed"
    injected = io.BytesIO()
    np.save(injected, np.array([_Payload(str(marker))], dtype=object), allow_pickle=True)
    tampered = _rewrite(payload, array_file, injected.getvalue())
    with pytest.raises(ValueError, match="(?i)pickle"):
        skops_io.loads(tampered, trusted=trusted_types())
    assert not marker.exists()


# ---------------------------------------------------------------------- pickle
class _NoTorchUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.split(".")[0] in {"torch", "skorch"}:
            raise pickle.UnpicklingError(f"the pickle needs {module}.{name}")
        return super().find_class(module, name)


@pytest.mark.parametrize("name, cls", ESTIMATORS)
def test_a_pickle_holds_no_torch_or_skorch_object(name, cls):
    estimator, _, _, X_new = _fitted(name, cls)
    loaded = _NoTorchUnpickler(io.BytesIO(pickle.dumps(estimator))).load()
    _assert_same_outputs(_outputs(estimator, X_new), _outputs(loaded, X_new))


# ---------------------------------------------------------------------- MLflow
def test_mlflow_logs_and_loads_with_sknets_types_trusted(tmp_path, monkeypatch, iris):
    pytest.importorskip("mlflow")
    import mlflow.sklearn

    X, y = iris
    estimator = MLPClassifier(max_iter=3, random_state=0).fit(X, y)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(f"file:{tmp_path / 'mlruns'}")
    with mlflow.start_run():
        # MLflow saves with skops by default and trusts only skops' default
        # types (scikit-learn's, numpy's), which no other package can extend.
        with pytest.raises(mlflow.exceptions.MlflowException, match=r"sknets\._mlp"):
            mlflow.sklearn.log_model(estimator, name="default")
        info = mlflow.sklearn.log_model(
            estimator, name="model", skops_trusted_types=trusted_types()
        )
    loaded = mlflow.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
    as_function = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(as_function.predict(X), estimator.predict(X))


# ------------------------------------------------------------ notebook display
def test_the_html_representation_links_to_the_api_page():
    html = MLPClassifier()._repr_html_()
    assert "api/generated/sknets.MLPClassifier.html" in html
    assert MLPClassifier()._get_doc_link().endswith("sknets.MLPClassifier.html")


# ------------------------------------------------------- compressed estimators
@pytest.mark.parametrize("method", ["quantize", "prune"])
@pytest.mark.parametrize("cls_name", ["MLPClassifier", "CNNClassifier", "LSTMClassifier"])
def test_compressed_estimators_round_trip_and_train_on(cls_name, method):
    from sknets import compress

    cls = dict(ESTIMATORS)[cls_name]
    estimator, X, y, X_new = _fitted(cls_name, cls)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a CNN's convolutions stay float: it says so
        small = compress.quantize(estimator) if method == "quantize" else compress.prune(estimator)
    payload = skops_io.dumps(small)
    assert set(skops_io.get_untrusted_types(data=payload)) <= set(trusted_types())
    loaded = skops_io.loads(payload, trusted=trusted_types())
    assert loaded.compression_ == small.compression_
    _assert_same_outputs(_outputs(small, X_new), _outputs(loaded, X_new))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _continue(small, X, y, "partial_fit")
        _continue(loaded, X, y, "partial_fit")
    _assert_same_outputs(_outputs(small, X_new), _outputs(loaded, X_new))


def _documented_cases():
    """Estimators with the data-like parameters and inputs their docs show, not defaults."""
    import pandas as pd

    from sknets import ModuleClassifier, TabMRegressor, ZeroShotClassifier
    from sknets.networks import MLP

    rng = np.random.RandomState(0)
    table = pd.DataFrame(
        [[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]],
        index=pd.Index(["a", "b", "ab", "c"], name="class"),
        columns=["x", "y", "z"],
    )
    X = np.vstack([rng.normal(table.loc[label], 0.1, (20, 3)) for label in "abc"])
    labels = np.repeat(["a", "b", "c"], 20)
    frame = pd.DataFrame(
        {"colour": pd.Categorical(rng.choice(["red", "blue"], 60)), "size": rng.normal(size=60)}
    )
    frame.loc[::7, "size"] = np.nan
    settings = {"max_iter": 3, "random_state": 0, "device": "cpu"}
    return {
        "ZeroShot, DataFrame": (ZeroShotClassifier(table, **settings), X, labels),
        "ZeroShot, pair": (
            ZeroShotClassifier((table.to_numpy(), table.index.to_numpy()), **settings),
            X,
            labels,
        ),
        "Module on a table": (
            ModuleClassifier(MLP, module_params={"hidden_layer_sizes": (8,)}, **settings),
            frame,
            labels,
        ),
        "TabM, standardised target": (
            TabMRegressor(hidden_layer_sizes=(8,), n_members=2, **settings),
            frame,
            rng.normal(100.0, 20.0, 60),
        ),
    }


@pytest.mark.parametrize("case", list(_documented_cases()))
def test_estimators_with_their_documented_parameters_round_trip_through_skops(case):

    estimator, X, y = _documented_cases()[case]
    estimator.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        payload = skops_io.dumps(estimator)
        loaded = skops_io.loads(payload, trusted=trusted_types())
    assert set(skops_io.get_untrusted_types(data=payload)) <= set(trusted_types())
    _assert_same_outputs(_outputs(estimator, X[:10]), _outputs(loaded, X[:10]))
    for name, value in estimator.get_params(deep=False).items():
        if hasattr(value, "equals"):
            assert value.equals(loaded.get_params()[name]), name
    # Pickles hold no torch object outside the network's arrays (the contract).
    state = estimator.__getstate__()
    assert not any(isinstance(value, torch.Tensor) for value in state.values())
