"""Your own network as a scikit-learn estimator, two ways.

1. ``ModuleClassifier``: hand it a ``torch.nn.Module`` class and get every
   shared behaviour of sknets (validation, devices, seeding, early
   stopping, sample weights, ``partial_fit``, pickling), then tune the
   module's arguments with ``GridSearchCV``.
2. A new estimator kind of your own: a denoising autoencoder as a
   scikit-learn transformer, with its own training step (noise on the
   inputs, the clean input as the target), in a pipeline before a
   logistic regression.

Run: ``python examples/custom_estimator.py [--max-iter N]``.  The docs page
"Writing your own estimator" walks through this file.
"""

import argparse
import time
from numbers import Integral, Real

import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval
from torch import nn

from sknets import ModuleClassifier
from sknets.base import NeuralNetCore, NeuralTransformer, Param, build_network


# --- 1. bring your own network ------------------------------------------------
class ResidualMLP(nn.Module):
    """A user's network: the sknets keyword names in, logits out."""

    def __init__(self, n_features, n_outputs, hidden_size=64, n_blocks=2):
        super().__init__()
        self.stem = nn.Linear(n_features, hidden_size)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(hidden_size), nn.Linear(hidden_size, hidden_size), nn.GELU())
            for _ in range(n_blocks)
        )
        self.head = nn.Linear(hidden_size, n_outputs)

    def forward(self, X):
        hidden = self.stem(X)
        for block in self.blocks:
            hidden = hidden + block(hidden)
        return self.head(hidden)


# --- 2. a new kind of estimator ---------------------------------------------------
class DenoisingNet(NeuralNetCore):
    """One training step: corrupt the batch, reconstruct the clean one."""

    def __init__(self, *args, noise_std=0.1, **kwargs):
        super().__init__(*args, **kwargs)
        self.noise_std = noise_std

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, _, sample_weight = batch  # y is None: a transformer trains on X alone
        noisy = X + self.noise_std * torch.randn_like(X)
        loss = self.get_loss(self.infer(noisy), X, sample_weight=sample_weight)
        loss.backward()
        return {"loss": loss, "y_pred": None}


class Autoencoder(nn.Module):
    # Keyword arguments named as the estimator's parameters and the data's
    # sizes, so that build_network fills them.
    def __init__(self, *, n_features, n_components, hidden_size):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(n_features, hidden_size), nn.ReLU(), nn.Linear(hidden_size, n_components)
        )
        self.decoder = nn.Sequential(
            nn.Linear(n_components, hidden_size), nn.ReLU(), nn.Linear(hidden_size, n_features)
        )

    def encode(self, X):  # what transform returns
        return self.encoder(X)

    def decode(self, Z):  # what inverse_transform returns
        return self.decoder(Z)

    def forward(self, X):
        return self.decode(self.encode(X))


class SquaredError(nn.Module):
    """The loss, one value per sample (sknets applies the sample weights)."""

    def forward(self, reconstruction, X):
        return 0.5 * (reconstruction - X).pow(2).mean(dim=1)


class DenoisingAutoencoder(NeuralTransformer):
    """Codes of a denoising autoencoder, as a scikit-learn transformer.

    Examples
    --------
    >>> DenoisingAutoencoder(n_components=8).n_components
    8
    """

    # Its own parameters, declared once: signature, checks and docs follow.
    _params = (
        Param(
            "n_components",
            16,
            "int",
            "Width of the code.",
            [Interval(Integral, 1, None, closed="left")],
        ),
        Param(
            "hidden_size",
            128,
            "int",
            "Width of the hidden layers.",
            [Interval(Integral, 1, None, closed="left")],
        ),
        Param(
            "noise_std",
            0.2,
            "float",
            "Noise added to the inputs in training.",
            [Interval(Real, 0, None, closed="left")],
        ),
    )
    _defaults = {"max_iter": 50}  # a shared default it changes
    _net_class = DenoisingNet
    _has_inverse_transform = True

    def _build_module(self, spec):  # spec: what the training data determined
        return build_network(Autoencoder, self, spec)

    def _make_criterion(self):
        return SquaredError()

    def _net_kwargs(self):
        return {"noise_std": self.noise_std}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=50)
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

    start = time.perf_counter()
    search = GridSearchCV(
        make_pipeline(
            StandardScaler(),
            ModuleClassifier(ResidualMLP, max_iter=args.max_iter, random_state=0, device="cpu"),
        ),
        {
            "moduleclassifier__module_params": [
                {"hidden_size": 32, "n_blocks": 1},
                {"hidden_size": 128, "n_blocks": 2},
            ]
        },
        cv=3,
    ).fit(X_train, y_train)
    print(f"ModuleClassifier(ResidualMLP): best {search.best_params_}")
    print(
        f"ModuleClassifier(ResidualMLP): test accuracy {search.score(X_test, y_test):.3f} "
        f"({time.perf_counter() - start:.1f} s for the search)"
    )

    start = time.perf_counter()
    pipeline = make_pipeline(
        StandardScaler(),
        DenoisingAutoencoder(n_components=16, max_iter=args.max_iter, random_state=0, device="cpu"),
        LogisticRegression(max_iter=2000),
    ).fit(X_train, y_train)
    codes = pipeline[:2].transform(X_test)
    print(f"DenoisingAutoencoder: codes of shape {codes.shape}")
    print(
        f"DenoisingAutoencoder + LogisticRegression: test accuracy "
        f"{pipeline.score(X_test, y_test):.3f} ({time.perf_counter() - start:.1f} s)"
    )


if __name__ == "__main__":
    main()
