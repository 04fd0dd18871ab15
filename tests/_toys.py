"""Toy estimators that exercise the base's extension points (not public).

Each is what a family would write: parameters declared once (``_params``),
a network, and where needed a skorch net subclass with its own step.  The
conformance suite runs each through scikit-learn's checks.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from torch import nn

from sknets._inputs import DictInput, IdInput
from sknets._params import Param
from sknets._training import NeuralNetCore
from sknets.base import NeuralClassifier, NeuralGenerator, NeuralRegressor, NeuralTransformer

_COMPONENTS = Param(
    "n_components",
    2,
    "int",
    "Width of the code.",
    [Interval(Integral, 1, None, closed="left")],
)
_NOISE = Param(
    "noise_std",
    0.0,
    "float",
    "Standard deviation of the Gaussian noise added to the training inputs.",
    [Interval(Real, 0, None, closed="left")],
)


# ------------------------------------------------------------- transformer
class LinearAutoencoder(nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.encoder = nn.Linear(n_features, n_components)
        self.decoder = nn.Linear(n_components, n_features)

    def encode(self, X):
        return self.encoder(X)

    def decode(self, Z):
        return self.decoder(Z)

    def forward(self, X):
        return self.decode(self.encode(X))


class ReconstructionError(nn.Module):
    """Half the squared reconstruction error per sample."""

    def forward(self, reconstruction, X):
        return 0.5 * (reconstruction - X).pow(2).mean(dim=1)


class DenoisingNet(NeuralNetCore):
    """Trains on noisy inputs; validates on the clean reconstruction error.

    The validation loss is the family's own, computed from X: it is what
    early stopping follows.
    """

    def __init__(self, *args, noise_std=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.noise_std = noise_std

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, _, weight = batch
        noisy = X + self.noise_std * torch.randn_like(X)
        loss = self.get_loss(self.infer(noisy), X, sample_weight=weight)
        loss.backward()
        return {"loss": loss, "y_pred": None}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X, _, weight = batch
        with torch.no_grad():
            codes = self.module_.encode(X)
            error = (self.module_.decode(codes) - X).abs().mean(dim=1)
            loss = error.mean() if weight is None else (error * weight).mean()
        return {"loss": loss, "y_pred": codes}


class ToyAutoencoder(NeuralTransformer):
    """A denoising linear autoencoder: transform gives the codes."""

    _params = (_COMPONENTS, _NOISE)
    _net_class = DenoisingNet
    _has_inverse_transform = True

    def _build_module(self, spec):
        return LinearAutoencoder(spec.n_features, self.n_components)

    def _make_criterion(self):
        return ReconstructionError()

    def _net_kwargs(self):
        return {"noise_std": self.noise_std}

    @classmethod
    def _get_test_params(cls):
        return {"learning_rate_init": 0.01, "max_iter": 20, "random_state": 0}


# ---------------------------------------------------------------- generator
class DiagonalGaussian(nn.Module):
    """A Gaussian with a learnt mean and log standard deviation per feature."""

    def __init__(self, n_features):
        super().__init__()
        self.mean = nn.Parameter(torch.zeros(n_features))
        self.log_std = nn.Parameter(torch.zeros(n_features))

    def forward(self, X):
        # A tuple: the prediction and its spread, both per row.
        return self.mean.expand_as(X), self.log_std.expand_as(X)

    def generate(self, n_samples):
        noise = torch.randn(n_samples, self.mean.shape[0], device=self.mean.device)
        return self.mean + noise * self.log_std.exp()


class GaussianNegativeLogLikelihood(nn.Module):
    def forward(self, outputs, X):
        mean, log_std = outputs
        z = (X - mean) / log_std.exp()
        return (0.5 * z.pow(2) + log_std + 0.5 * np.log(2 * np.pi)).sum(dim=1)


class ToyGaussianGenerator(NeuralGenerator):
    """A diagonal Gaussian density trained by maximum likelihood."""

    _has_likelihood = True
    _defaults = {"learning_rate_init": 0.05}

    def _build_module(self, spec):
        return DiagonalGaussian(spec.n_features)

    def _make_criterion(self):
        return GaussianNegativeLogLikelihood()

    @classmethod
    def _get_test_params(cls):
        return {"max_iter": 30, "random_state": 0}


class ToyGenerativeTransformer(NeuralTransformer, NeuralGenerator):
    """A generator that also transforms (as a VAE): listed as a generator."""

    _params = (_COMPONENTS,)

    def _build_module(self, spec):
        return LinearAutoencoder(spec.n_features, self.n_components)

    def _make_criterion(self):
        return ReconstructionError()


# ---------------------------------------------------- two modules, optimizers
class TwoHeads(nn.Module):
    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.layer = nn.Linear(n_features, n_outputs)

    def forward(self, X):
        return self.layer(X)


class TwoModelsNet(NeuralNetCore):
    """Trains the predicting module and an auxiliary one, each by its own optimizer."""

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, y, weight = batch
        y_pred = self.infer(X)
        loss = self.get_loss(y_pred, y, sample_weight=weight)
        auxiliary = self.get_loss(self.auxiliary_(X), y, sample_weight=weight)
        (loss + auxiliary).backward()
        return {"loss": loss, "y_pred": y_pred}


class ToyTwoOptimizerRegressor(NeuralRegressor):
    """Two networks, two optimizers; the auxiliary one at ten times the rate."""

    _net_class = TwoModelsNet
    _optimized_modules = {"optimizer": ("module",), "optimizer_auxiliary": ("auxiliary",)}
    AUXILIARY_RATE_FACTOR = 10.0

    def _build_module(self, spec):
        return {
            "module": TwoHeads(spec.n_features, spec.n_outputs),
            "auxiliary": TwoHeads(spec.n_features, spec.n_outputs),
        }

    def _optimizer_specs(self, batch_size, mean_weight):
        specs = super()._optimizer_specs(batch_size, mean_weight)
        optimizer, kwargs, modules = specs["optimizer_auxiliary"]
        kwargs["lr"] = self.learning_rate_init * self.AUXILIARY_RATE_FACTOR
        return specs

    @classmethod
    def _get_test_params(cls):
        return {"learning_rate_init": 0.01, "max_iter": 100, "random_state": 0}


# ------------------------------------------------------ a step without autograd
class Centroids(nn.Module):
    def __init__(self, n_features, n_clusters):
        super().__init__()
        self.centroids = nn.Parameter(torch.zeros(n_clusters, n_features))

    def forward(self, X):
        return torch.cdist(X, self.centroids)


class MiniBatchKMeansNet(NeuralNetCore):
    """Mini-batch k-means: the update is computed in closed form, no autograd.

    Each centroid's gradient of half the squared distance to its assigned
    rows is written into ``.grad`` under ``torch.no_grad`` and the optimizer
    steps; schedules, warm starts and pickling work as for any optimizer.
    """

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, _, weight = batch
        with torch.no_grad():
            centroids = self.module_.centroids
            distances = self.module_(X)
            nearest = distances.argmin(dim=1)
            weight = torch.ones_like(distances[:, 0]) if weight is None else weight
            assignment = nn.functional.one_hot(nearest, centroids.shape[0]).to(X.dtype)
            assignment = assignment * weight[:, None]
            counts = assignment.sum(dim=0).clamp_min(1.0)
            centroids.grad = (centroids * counts[:, None] - assignment.T @ X) / counts[:, None]
            self.optimizer_.step()
            loss = (0.5 * distances.gather(1, nearest[:, None]).squeeze(1).pow(2) * weight).mean()
        self.autograd_used = loss.requires_grad
        return {"loss": loss, "y_pred": distances}


class NearestCentroidDistance(nn.Module):
    def forward(self, distances, X):
        return 0.5 * distances.min(dim=1).values.pow(2)


class ToyKMeansTransformer(NeuralTransformer):
    """Distances to k centroids, learnt by mini-batch k-means."""

    _params = (
        Param(
            "n_clusters",
            3,
            "int",
            "Number of centroids.",
            [Interval(Integral, 1, None, closed="left")],
        ),
    )
    _defaults = {"solver": "sgd", "momentum": 0.0, "learning_rate_init": 0.5, "alpha": 0.0}
    _net_class = MiniBatchKMeansNet

    def _build_module(self, spec):
        module = Centroids(spec.n_features, self.n_clusters)
        # Start at random rows' scale: small noise around zero.
        nn.init.normal_(module.centroids, std=1.0)
        return module

    def _make_criterion(self):
        return NearestCentroidDistance()

    def _transform_tensor(self, X):
        return self.net_.module_(X)

    @classmethod
    def _get_test_params(cls):
        return {"max_iter": 20, "random_state": 0}


# ----------------------------------------------------------- tuple outputs
class AttentionLinear(nn.Module):
    """Weighs the features by a softmax attention, then a linear layer."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.score = nn.Linear(n_features, n_features)
        self.head = nn.Linear(n_features, n_outputs)

    def forward(self, X):
        attention = torch.softmax(self.score(X), dim=1)
        return self.head(X * attention * X.shape[1]), attention


class ToyAttentionClassifier(NeuralClassifier):
    """A classifier whose network returns (logits, attention weights)."""

    def _build_module(self, spec):
        return AttentionLinear(spec.n_features, spec.n_outputs)

    @classmethod
    def _get_test_params(cls):
        return {"learning_rate_init": 0.05, "max_iter": 200, "random_state": 0}


# ---------------------------------------------------------- int64 ids
class IdEmbeddings(nn.Module):
    """A learnt vector per id of each column (one extra row: unknown ids), summed."""

    def __init__(self, n_ids, n_outputs):
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(n + 1, n_outputs) for n in n_ids)
        for embedding in self.embeddings:
            nn.init.zeros_(embedding.weight)
        self.bias = nn.Parameter(torch.zeros(n_outputs))

    def forward(self, ids):
        assert ids.dtype == torch.int64
        return self.bias + sum(emb(ids[:, j]) for j, emb in enumerate(self.embeddings))


class ToyIdRegressor(NeuralRegressor):
    """Regression on categorical id columns (users, items...)."""

    _input = IdInput

    def _build_module(self, spec):
        return IdEmbeddings(spec.n_ids, spec.n_outputs)

    @classmethod
    def _get_test_params(cls):
        return {"learning_rate_init": 0.1, "max_iter": 100, "random_state": 0}


# -------------------------------------------------------------- dict input
class PerInputLinear(nn.Module):
    """One linear layer per named input (int inputs embedded), summed."""

    def __init__(self, input_shapes, n_outputs, vocab_size=None):
        super().__init__()
        self.layers = nn.ModuleDict(
            {key: nn.Linear(shape[0], n_outputs) for key, shape in input_shapes.items()}
        )
        self.vocab_size = vocab_size

    def forward(self, **inputs):
        total = 0
        for key, value in inputs.items():
            if not value.is_floating_point():
                # Integer inputs stay int64 up to here; the model decides their use.
                value = (value % 2).to(self.layers[key].weight.dtype)
            total = total + self.layers[key](value)
        return total


class ToyDictClassifier(NeuralClassifier):
    """A classifier over a dict of inputs (plain 2-D X is {"X": X})."""

    _input = DictInput

    def _build_module(self, spec):
        return PerInputLinear(spec.input_shapes, spec.n_outputs)

    @classmethod
    def _get_test_params(cls):
        return {"learning_rate_init": 0.01, "max_iter": 100, "random_state": 0}


TOYS = [
    ToyAutoencoder,
    ToyGaussianGenerator,
    ToyTwoOptimizerRegressor,
    ToyKMeansTransformer,
    ToyAttentionClassifier,
    ToyIdRegressor,
    ToyDictClassifier,
]
