"""One data-parallel fit per rank, started by tests/test_scale_out.py under torchrun.

Each rank writes its fitted weights and loss curve to ``<out>/rank<R>.pt``.
"""

import sys

import numpy as np
import torch

from sknets import DBNClassifier, GANGenerator, MLPClassifier, RBMTransformer


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    return X, y


def estimators():
    """The fits compared.

    The plain train step; a family with two optimizers of its own; an RBM
    whose contrastive-divergence update bypasses ``optimizer.step``
    (mean-field, so deterministic and comparable with one process); a DBN
    whose greedy pretraining has an optimizer of its own (sampling, so
    each rank draws its own states).
    """
    return {
        "mlp": MLPClassifier(
            hidden_layer_sizes=(16,),
            batch_size=50,
            max_iter=6,
            early_stopping=True,
            n_iter_no_change=2,
            learning_rate="adaptive",
            random_state=0,
            device="cpu",
        ),
        "gan": GANGenerator(max_iter=2, batch_size=64, random_state=0, device="cpu"),
        "rbm": RBMTransformer(
            n_components=8, batch_size=50, max_iter=3, mean_field=True, random_state=0, device="cpu"
        ),
        "dbn": DBNClassifier(
            hidden_layer_sizes=(8,),
            n_pretrain_epochs=2,
            batch_size=50,
            max_iter=2,
            random_state=0,
            device="cpu",
        ),
    }


def unit_interval(X):
    """``X`` squashed into [0, 1], as the RBM family requires."""
    return 1 / (1 + np.exp(-X))


def main(out):
    torch.set_num_threads(1)
    X, y = data()
    result = {}
    for name, estimator in estimators().items():
        estimator.fit(unit_interval(X) if name in ("rbm", "dbn") else X, y)
        result[name] = {
            "state": {
                f"{module_name}.{key}": value
                for module_name, module in estimator._modules().items()
                for key, value in module.state_dict().items()
            },
            "loss_curve": estimator.loss_curve_,
            "validation_scores": getattr(estimator, "validation_scores_", None),
            "n_iter": estimator.n_iter_,
            "pretrain_loss_curves": getattr(estimator, "pretrain_loss_curves_", None),
        }
    rank = torch.distributed.get_rank()
    try:
        MLPClassifier(max_iter=1).fit(X[: 100 + rank], y[: 100 + rank])
    except ValueError as error:
        result["refused"] = str(error)
    torch.save(result, f"{out}/rank{rank}.pt")


if __name__ == "__main__":
    main(sys.argv[1])
