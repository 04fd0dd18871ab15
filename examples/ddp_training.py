"""One fit over several processes: data-parallel training under torchrun.

Started with ``torchrun --nproc_per_node=2 examples/ddp_training.py``,
every process runs this same script: each loads the same data, and
``fit`` trains one model data-parallel (each process computes its share of
every batch, the gradients are summed over the processes), so every
process ends with the same weights.  Only rank 0 prints and saves the
model.  Run as a plain ``python examples/ddp_training.py`` it is an
ordinary fit, with the same results up to float rounding.

``--max-iter 2`` gives a quick run.
"""

import argparse
import tempfile
from pathlib import Path

import joblib
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from sknets import MLPClassifier


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=20, help="epochs")
    args = parser.parse_args(argv)
    X, y = make_classification(n_samples=20_000, n_features=40, n_informative=20, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

    # batch_size is the global batch: with N processes each computes batch_size / N rows of it.
    clf = MLPClassifier(
        hidden_layer_sizes=(128, 128),
        batch_size=256,
        max_iter=args.max_iter,
        early_stopping=True,
        random_state=0,
        device="auto",  # under torchrun on a GPU machine: the GPU of this process (LOCAL_RANK)
    )
    clf.fit(X_train, y_train)

    distributed = torch.distributed.is_initialized()
    rank = torch.distributed.get_rank() if distributed else 0
    world_size = torch.distributed.get_world_size() if distributed else 1
    if rank == 0:  # every rank holds the same model; one writes files
        print(f"processes: {world_size}, device: {clf.device_}")
        print(f"epochs: {clf.n_iter_}, final training loss: {clf.loss_:.4f}")
        print(f"test accuracy: {clf.score(X_test, y_test):.4f}")
        path = Path(tempfile.gettempdir()) / "ddp_mlp.joblib"
        joblib.dump(clf, path)
        print(f"saved by rank 0: {path}")
    if distributed:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
