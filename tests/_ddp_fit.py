"""One data-parallel fit per rank, started by tests/test_scale_out.py under torchrun.

Each rank writes its fitted weights and loss curve to ``<out>/rank<R>.pt``.
"""

import sys

import numpy as np
import torch

from sknets import GANGenerator, MLPClassifier


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    return X, y


def estimators():
    """The fits compared: the plain train step, and a family with two optimizers of its own."""
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
    }


def main(out):
    torch.set_num_threads(1)
    X, y = data()
    result = {}
    for name, estimator in estimators().items():
        estimator.fit(X, y)
        result[name] = {
            "state": {
                f"{module_name}.{key}": value
                for module_name, module in estimator._modules().items()
                for key, value in module.state_dict().items()
            },
            "loss_curve": estimator.loss_curve_,
            "validation_scores": getattr(estimator, "validation_scores_", None),
            "n_iter": estimator.n_iter_,
        }
    rank = torch.distributed.get_rank()
    try:
        MLPClassifier(max_iter=1).fit(X[: 100 + rank], y[: 100 + rank])
    except ValueError as error:
        result["refused"] = str(error)
    torch.save(result, f"{out}/rank{rank}.pt")


if __name__ == "__main__":
    main(sys.argv[1])
