"""Scaling out: searches on Dask and Ray, data-parallel fits (torchrun), data larger than memory."""

import os
import pickle
import socket
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingRandomSearchCV, RandomizedSearchCV

import sknets
from sknets import MLPClassifier
from sknets._distributed import DataParallel, data_parallel_context, local_device

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

sys.path.insert(0, str(TESTS))
import _ddp_fit  # noqa: E402


def _environment():
    """The child processes' environment: this checkout's sknets, one thread each."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
    }


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------ DDP
@pytest.fixture(scope="module")
def ddp_results(tmp_path_factory):
    """Each rank's fits of tests/_ddp_fit.py, run by torchrun with 2 gloo ranks."""
    out = tmp_path_factory.mktemp("ddp")
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        "--master_addr=127.0.0.1",
        f"--master_port={_free_port()}",
        str(TESTS / "_ddp_fit.py"),
        str(out),
    ]
    finished = subprocess.run(
        command, env=_environment(), capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return [torch.load(out / f"rank{rank}.pt") for rank in (0, 1)]


@pytest.mark.parametrize("name", ["mlp", "gan", "rbm", "dbn"])
def test_ddp_replicas_are_bit_identical(ddp_results, name):
    rank0, rank1 = (result[name] for result in ddp_results)
    assert rank0["state"].keys() == rank1["state"].keys()
    for key, value in rank0["state"].items():
        assert torch.equal(value, rank1["state"][key]), key
    assert rank0["loss_curve"] == rank1["loss_curve"]
    assert rank0["validation_scores"] == rank1["validation_scores"]
    assert rank0["n_iter"] == rank1["n_iter"]
    assert rank0["pretrain_loss_curves"] == rank1["pretrain_loss_curves"]


def test_ddp_refuses_ranks_with_different_data(ddp_results):
    for result in ddp_results:
        assert "processes hold [100, 101] rows (by rank)" in result["refused"]


@pytest.mark.parametrize("name", ["mlp", "rbm"])
def test_ddp_matches_a_single_process_fit(ddp_results, name):
    """Two ranks with the same global batch size follow the single-process fit.

    The shards' gradients are summed instead of computed over the whole
    batch at once, which changes float32 rounding only: loss curves agree
    to 1e-4 relative and weights to 1e-3.  The RBM checks the
    contrastive-divergence update, which does not go through
    ``optimizer.step``.
    """
    X, y = _ddp_fit.data()
    if name == "rbm":
        X = _ddp_fit.unit_interval(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        single = _ddp_fit.estimators()[name].fit(X, y)
    parallel = ddp_results[0][name]
    assert parallel["n_iter"] == single.n_iter_
    np.testing.assert_allclose(parallel["loss_curve"], single.loss_curve_, rtol=1e-4)
    states = {
        f"{module_name}.{key}": value
        for module_name, module in single._modules().items()
        for key, value in module.state_dict().items()
    }
    for key, value in parallel["state"].items():
        torch.testing.assert_close(value, states[key], rtol=1e-3, atol=1e-4)


def test_ddp_with_own_random_draws_follows_a_single_process_fit(ddp_results):
    """A GAN's ranks draw different noise for their rows, so only the loss level agrees (1 %)."""
    X, y = _ddp_fit.data()
    single = _ddp_fit.estimators()["gan"].fit(X, y)
    np.testing.assert_allclose(ddp_results[0]["gan"]["loss_curve"], single.loss_curve_, rtol=1e-2)


def test_data_parallel_shards_cover_each_batch_once():
    for world_size in (2, 3, 4):
        ranks = [DataParallel(rank, world_size) for rank in range(world_size)]
        for stop in (1, 7, 50, 51):
            rows = [
                list(range(100, 100 + stop)[ranks[r].shard(slice(0, stop))])
                for r in range(world_size)
            ]
            assert sum(rows, []) == list(range(100, 100 + stop))
            sizes = {len(part) for part in rows}
            assert max(sizes) - min(sizes) <= 1
            index = torch.randperm(stop)
            parts = [ranks[r].shard(index) for r in range(world_size)]
            assert torch.equal(torch.cat(parts), index)


def test_no_data_parallel_without_a_launcher_or_when_switched_off(monkeypatch):
    cpu = torch.device("cpu")
    assert data_parallel_context(cpu) is None
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with sknets.config_context(distributed=False):
        assert data_parallel_context(cpu) is None
        # A fit then trains on its own, without waiting for a second rank.
        X, y = _ddp_fit.data()
        MLPClassifier(max_iter=1, random_state=0).fit(X, y)
    assert not torch.distributed.is_initialized()
    assert local_device("auto", cpu) == cpu


@pytest.mark.parametrize(("value", "printed"), [("false", "False"), ("1", "True")])
def test_distributed_setting_from_the_environment(value, printed):
    code = "import sknets; print(sknets.get_config()['distributed'])"
    finished = subprocess.run(
        [sys.executable, "-c", code],
        env={**_environment(), "SKNETS_DISTRIBUTED": value},
        capture_output=True,
        text=True,
        check=True,
    )
    assert finished.stdout.strip() == printed


def test_distributed_setting_from_the_environment_is_checked():
    finished = subprocess.run(
        [sys.executable, "-c", "import sknets"],
        env={**_environment(), "SKNETS_DISTRIBUTED": "maybe"},
        capture_output=True,
        text=True,
    )
    assert finished.returncode != 0
    assert "SKNETS_DISTRIBUTED must be 0, 1, true or false, got 'maybe'" in finished.stderr


def test_distributed_setting_is_checked():
    with pytest.raises(ValueError, match="distributed must be True or False"):
        sknets.set_config(distributed="yes")
    assert sknets.get_config()["distributed"] is True


# ----------------------------------------------------------- many fits
def _grid_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    return X, y


def _searches():
    estimator = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0, device="auto")
    grid = {"learning_rate_init": [1e-3, 1e-2], "alpha": [1e-4, 1e-1]}
    return {
        "grid": GridSearchCV(estimator, grid, cv=3, n_jobs=-1),
        "randomized": RandomizedSearchCV(
            estimator, grid, n_iter=3, cv=3, n_jobs=-1, random_state=0
        ),
        "halving": HalvingRandomSearchCV(
            estimator, grid, cv=3, n_jobs=-1, random_state=0, min_resources=30, factor=2
        ),
    }


def _search_outcomes(backend=None):
    """Best parameters and every candidate's mean test score of each search."""
    import joblib

    X, y = _grid_data()
    outcomes = {}
    for name, search in _searches().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if backend is None:
                search.set_params(n_jobs=1).fit(X, y)
            else:
                with joblib.parallel_backend(backend):
                    search.fit(X, y)
        outcomes[name] = (search.best_params_, list(search.cv_results_["mean_test_score"]))
    return outcomes


def test_search_on_a_dask_cluster_matches_the_local_search():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_cluster = _search_outcomes("dask")

        def device_of_a_fit_on_this_worker():
            # Defined here so that it travels by value, not as an import of this module.
            from sknets import MLPClassifier
            from sknets.utils import resolve_device

            X, y = _grid_data()
            fitted = MLPClassifier(max_iter=1, device="auto").fit(X, y)
            return str(fitted.device_), str(resolve_device("auto"))

        fitted_on, worker_auto = client.submit(device_of_a_fit_on_this_worker, pure=False).result()
    # device="auto" is resolved where the fit runs: the worker's own device.
    assert fitted_on == worker_auto
    assert on_cluster == _search_outcomes()


@pytest.mark.skipif(
    not os.environ.get("SKNETS_TEST_RAY"),
    reason="Ray takes about 20 s to start; set SKNETS_TEST_RAY=1 to run",
)
def test_search_under_ray_matches_the_local_search():
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    register_ray()
    ray.init(
        num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}}
    )
    try:
        on_ray = _search_outcomes("ray")
    finally:
        ray.shutdown()
    assert on_ray == _search_outcomes()


def test_estimators_sent_to_workers_are_small():
    X, y = _grid_data()
    estimator = MLPClassifier(hidden_layer_sizes=(64, 64), random_state=0)
    for unfitted in (estimator, clone(estimator)):
        assert len(pickle.dumps(unfitted)) < 2_000
    # A fitted estimator carries its weights, never its training rows.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small = clone(estimator).set_params(max_iter=1).fit(X, y)
        large = clone(estimator).set_params(max_iter=1).fit(np.tile(X, (50, 1)), np.tile(y, 50))
    assert abs(len(pickle.dumps(large)) - len(pickle.dumps(small))) < 2_000
    # The clone of a fitted estimator is unfitted again: no weights, no optimizer state.
    assert len(pickle.dumps(clone(large))) < 2_000


# --------------------------------------------------- larger than memory
def _chunk_script(path, n_rows, n_features, chunk_rows):
    """Python code that trains over the memmap's chunks; prints its peak RSS (KiB) after each."""
    return textwrap.dedent(
        f"""
        import resource
        import numpy as np
        from sknets import MLPClassifier

        clf = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
        row_bytes = 4 * ({n_features} + 1)
        for start in range(0, {n_rows}, {chunk_rows}):
            rows = min({chunk_rows}, {n_rows} - start)
            # A memmap per chunk, closed before training, so its pages leave the process.
            block = np.memmap({str(path)!r}, np.float32, "r", offset=start * row_bytes,
                              shape=(rows, {n_features} + 1))
            X, y = np.array(block[:, :-1]), block[:, -1].astype(int)
            del block
            clf.partial_fit(X, y, classes=[0, 1])
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """
    )


def _write_rows(path, n_rows, n_features, seed=0):
    rng = np.random.default_rng(seed)
    table = np.memmap(path, np.float32, "w+", shape=(n_rows, n_features + 1))
    for start in range(0, n_rows, 50_000):
        stop = min(start + 50_000, n_rows)
        X = rng.normal(size=(stop - start, n_features)).astype(np.float32)
        table[start:stop, :-1] = X
        table[start:stop, -1] = X[:, 0] + X[:, 1] > 0
    table.flush()
    del table


def test_partial_fit_over_memmap_chunks_keeps_peak_memory_flat(tmp_path):
    """After the first chunk, 15 more chunks (60 MiB of file) add little to the peak RSS."""
    n_features, chunk_rows, n_chunks = 50, 20_000, 16
    path = tmp_path / "rows.f32"
    _write_rows(path, n_chunks * chunk_rows, n_features)
    finished = subprocess.run(
        [sys.executable, "-c", _chunk_script(path, n_chunks * chunk_rows, n_features, chunk_rows)],
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    peaks = [int(line) for line in finished.stdout.split()]
    assert len(peaks) == n_chunks
    chunk_kib = chunk_rows * (n_features + 1) * 4 // 1024
    # Loading every chunk would add 15 chunks; allow 2 (allocator slack).
    assert peaks[-1] - peaks[0] < 2 * chunk_kib, (peaks, chunk_kib)


def test_partial_fit_over_chunks_matches_an_in_memory_fit(tmp_path):
    n_rows, n_features = 6_000, 10
    path = tmp_path / "rows.f32"
    _write_rows(path, n_rows, n_features, seed=3)
    table = np.memmap(path, np.float32, "r", shape=(n_rows, n_features + 1))
    X, y = np.array(table[:, :-1]), table[:, -1].astype(int)
    train, test = slice(0, 5_000), slice(5_000, None)
    settings = {"hidden_layer_sizes": (16,), "batch_size": 100, "random_state": 0}
    in_memory = MLPClassifier(max_iter=3, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_memory.fit(X[train], y[train])
    chunked = MLPClassifier(**settings)
    for _epoch in range(3):
        for start in range(0, 5_000, 1_000):
            chunk = table[start : start + 1_000]
            chunked.partial_fit(chunk[:, :-1], chunk[:, -1].astype(int), classes=[0, 1])
    in_memory_accuracy = in_memory.score(X[test], y[test])
    assert in_memory_accuracy > 0.85
    assert abs(chunked.score(X[test], y[test]) - in_memory_accuracy) < 0.03


def test_predict_on_a_dask_array_block_by_block():
    da = pytest.importorskip("dask.array")
    X, y = _grid_data()
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    lazy = da.from_array(np.tile(X, (10, 1)), chunks=(200, X.shape[1]))
    labels = lazy.map_blocks(clf.predict, drop_axis=1, dtype=clf.classes_.dtype)
    probabilities = lazy.map_blocks(clf.predict_proba, chunks=(200, 2), dtype=np.float32)
    assert isinstance(labels, da.Array) and isinstance(probabilities, da.Array)
    assert labels.numblocks == (5,)
    np.testing.assert_array_equal(labels.compute(), np.tile(clf.predict(X), 10))
    np.testing.assert_allclose(
        probabilities.compute(), np.tile(clf.predict_proba(X), (10, 1)), rtol=1e-6
    )


def test_import_sknets_loads_no_cluster_package():
    code = (
        "import sys, sknets; "
        "print(sorted(m for m in ('dask', 'distributed', 'ray') if m in sys.modules))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], env=_environment(), capture_output=True, text=True, check=True
    )
    assert finished.stdout.strip() == "[]"
