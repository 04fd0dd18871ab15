"""Training on more rows than memory holds: partial_fit over memmap chunks.

The rows live in a float32 file on disk (a numpy memmap); the model sees
them one chunk at a time with ``partial_fit``, so the process holds one
chunk, never the file.  Each epoch reads the chunks in a new order.  The
test rows are predicted block by block from a Dask array with
``map_blocks``.  The peak memory of the process is printed beside the
size of the file: it stays far below it.  The same loop reads a parquet
file by row groups (``pyarrow.parquet.ParquetFile(path).iter_batches()``).

Run it with ``python examples/larger_than_memory.py`` (a 2 GB file; use
``--rows`` for another size and ``--max-iter 1`` for a quick run).  The
Dask part needs ``pip install "sknets[dask]"``.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import dask.array as da
import numpy as np

from sknets import MLPClassifier

N_FEATURES = 50
CHUNK_ROWS = 200_000


def write_rows(path, n_rows, seed=0):
    """A synthetic problem written to ``path`` chunk by chunk: features, then the label."""
    row_bytes = 4 * (N_FEATURES + 1)
    with open(path, "wb") as file:
        file.truncate(n_rows * row_bytes)
    for start in range(0, n_rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n_rows)
        rng = np.random.default_rng([seed, start])
        X = rng.normal(size=(stop - start, N_FEATURES)).astype(np.float32)
        # One memmap per chunk, so that written pages leave the process too.
        block = np.memmap(
            path, np.float32, "r+", offset=start * row_bytes, shape=(stop - start, N_FEATURES + 1)
        )
        block[:, :-1] = X
        block[:, -1] = X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] > 0
        block.flush()
        del block


def chunks(path, n_rows, order):
    """The chunks in ``order``: each one's own memmap, closed after use."""
    row_bytes = 4 * (N_FEATURES + 1)
    for index in order:
        start = index * CHUNK_ROWS
        count = min(CHUNK_ROWS, n_rows - start)
        block = np.memmap(
            path, np.float32, "r", offset=start * row_bytes, shape=(count, N_FEATURES + 1)
        )
        X, y = np.array(block[:, :-1]), block[:, -1].astype(np.int64)
        del block
        yield X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="training rows on disk")
    parser.add_argument("--max-iter", type=int, default=2, help="epochs over the file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.f32"
        write_rows(path, args.rows)
        size_mib = path.stat().st_size / 2**20
        print(f"training file: {args.rows:,} rows x {N_FEATURES} features, {size_mib:,.0f} MiB")

        clf = MLPClassifier(hidden_layer_sizes=(64, 64), random_state=0)
        rng = np.random.default_rng(0)
        n_chunks = -(-args.rows // CHUNK_ROWS)
        start = time.perf_counter()
        for epoch in range(args.max_iter):
            for X, y in chunks(path, args.rows, rng.permutation(n_chunks)):
                clf.partial_fit(X, y, classes=[0, 1])
            print(f"epoch {epoch + 1}: {clf.loss_:.4f} loss, {time.perf_counter() - start:.0f} s")

        test_path = Path(folder) / "test.f32"
        write_rows(test_path, 100_000, seed=1)
        test = np.memmap(test_path, np.float32, "r", shape=(100_000, N_FEATURES + 1))
        X_test = da.from_array(test[:, :-1], chunks=(25_000, N_FEATURES))
        labels = X_test.map_blocks(clf.predict, drop_axis=1, dtype=np.int64)
        accuracy = float((labels.compute() == test[:, -1].astype(np.int64)).mean())
        print(f"test accuracy (Dask map_blocks, {labels.numblocks[0]} blocks): {accuracy:.4f}")

        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak_mib:,.0f} MiB for a {size_mib:,.0f} MiB file")


if __name__ == "__main__":
    main()
