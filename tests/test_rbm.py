"""RBMTransformer, DBNTransformer and DBNClassifier: learning, sklearn parity, errors."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM as SklearnRBM
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sknets import DBNClassifier, DBNTransformer, RBMTransformer
from sknets.networks import BernoulliRBM

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16 > 0.5).astype(np.float32)[:600], y[:600]


def test_rbm_learns_pseudo_likelihood_as_sklearn(digits):
    X, _ = digits
    untrained = RBMTransformer(n_components=64, max_iter=1, learning_rate_init=1e-9)
    untrained = untrained.set_params(random_state=0, device="cpu").fit(X)
    ours = RBMTransformer(n_components=64, max_iter=10, random_state=0, device="cpu").fit(X)
    theirs = SklearnRBM(n_components=64, n_iter=10, random_state=0).fit(X)
    assert ours.loss_curve_[-1] < 0.7 * ours.loss_curve_[0]
    assert ours.score_samples(X).mean() > untrained.score_samples(X).mean() + 10
    # Within a few nats of scikit-learn's pseudo-likelihood at the same settings.
    assert abs(ours.score_samples(X).mean() - theirs.score_samples(X).mean()) < 3


def test_pseudo_likelihood_formula_matches_sklearn(digits):
    X, _ = digits
    rbm = RBMTransformer(n_components=16, max_iter=2, random_state=0, device="cpu").fit(X)
    reference = SklearnRBM(n_components=16)
    reference.components_ = rbm.components_.astype(np.float64)
    reference.intercept_hidden_ = rbm.intercept_hidden_.astype(np.float64)
    reference.intercept_visible_ = rbm.intercept_visible_.astype(np.float64)
    reference.n_features_in_ = X.shape[1]
    rows = torch.from_numpy(X[:50]).double()
    flip = BernoulliRBM.flip_indices(torch.from_numpy(X[:50]), 0)
    flipped = X[:50].astype(np.float64).copy()
    flipped[np.arange(50), flip.numpy()] = 1 - flipped[np.arange(50), flip.numpy()]
    expected = -X.shape[1] * np.logaddexp(
        0, -(reference._free_energy(flipped) - reference._free_energy(rows.numpy()))
    )
    with torch.no_grad():
        actual = rbm.module_.pseudo_likelihood(rows.float(), flip).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5)


def test_rbm_features_help_a_linear_classifier(digits):
    X, y = digits
    scores = [
        make_pipeline(rbm, LogisticRegression(max_iter=500))
        .fit(X[:400], y[:400])
        .score(X[400:], y[400:])
        for rbm in (
            RBMTransformer(n_components=64, max_iter=10, random_state=0, device="cpu"),
            SklearnRBM(n_components=64, n_iter=10, random_state=0),
        )
    ]
    # Far above chance (0.1), and no worse than scikit-learn's features.
    assert scores[0] > 0.6
    assert scores[0] > scores[1] - 0.05


def test_score_samples_is_seeded_and_row_independent(digits):
    X, _ = digits
    rbm = RBMTransformer(n_components=8, max_iter=1, random_state=0, device="cpu").fit(X)
    scores = rbm.score_samples(X)
    np.testing.assert_array_equal(scores, rbm.score_samples(X))
    np.testing.assert_allclose(
        rbm.score_samples(np.ascontiguousarray(X[::-1]))[::-1], scores, rtol=1e-12
    )
    other = rbm.set_params(random_state=1).score_samples(X)
    assert not np.array_equal(other, scores)


def test_gibbs_is_binary_and_reproducible(digits):
    X, _ = digits
    rbm = RBMTransformer(n_components=8, max_iter=1, random_state=0, device="cpu").fit(X)
    step = rbm.gibbs(X[:20], random_state=3)
    assert step.shape == (20, X.shape[1])
    assert set(np.unique(step)) <= {0.0, 1.0}
    np.testing.assert_array_equal(step, rbm.gibbs(X[:20], random_state=3))


@pytest.mark.parametrize("persistent", [True, False])
@pytest.mark.parametrize("mean_field", [True, False])
def test_training_variants_reproducible(digits, persistent, mean_field):
    X, _ = digits
    # A last batch smaller than the others (and than the persistent chains).
    X = X[: (len(X) // 10) * 10 - 3]
    params = dict(n_components=8, max_iter=2, persistent=persistent, mean_field=mean_field)
    first = RBMTransformer(**params, n_gibbs_steps=2, random_state=0, device="cpu").fit(X)
    second = RBMTransformer(**params, n_gibbs_steps=2, random_state=0, device="cpu").fit(X)
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    assert first.loss_curve_[-1] < first.loss_curve_[0]


def test_inverse_transform_shapes(digits):
    X, _ = digits
    for estimator in (
        RBMTransformer(n_components=8, max_iter=1, random_state=0, device="cpu"),
        DBNTransformer(hidden_layer_sizes=(16, 4), max_iter=1, random_state=0, device="cpu"),
    ):
        codes = estimator.fit(X).transform(X)
        assert estimator.inverse_transform(codes).shape == X.shape


def test_dbn_transformer_trains_every_layer_greedily(digits):
    X, _ = digits
    dbn = DBNTransformer(hidden_layer_sizes=(32, 8), max_iter=3, random_state=0, device="cpu")
    dbn.fit(X)
    assert len(dbn.pretrain_loss_curves_) == 1 and len(dbn.pretrain_loss_curves_[0]) == 3
    assert dbn.pretrain_loss_curves_[0][-1] < dbn.pretrain_loss_curves_[0][0]
    assert dbn.n_iter_ == 3 and dbn.transform(X).shape == (X.shape[0], 8)
    # warm_start continues the top RBM without pre-training again.
    bottom = dbn.module_.rbms[0].weight.detach().clone()
    dbn.set_params(warm_start=True, max_iter=1).fit(X)
    torch.testing.assert_close(dbn.module_.rbms[0].weight, bottom)


def test_dbn_classifier_pretrains_then_fine_tunes():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    clf = DBNClassifier(
        hidden_layer_sizes=(64,), n_pretrain_epochs=3, max_iter=10, random_state=0, device="cpu"
    ).fit(X[:1000], y[:1000])
    assert len(clf.pretrain_loss_curves_) == 1
    assert clf.pretrain_loss_curves_[0][-1] < clf.pretrain_loss_curves_[0][0]
    assert clf.score(X[1000:], y[1000:]) > 0.9
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X[:5]), clf.predict_proba(X[:5]))


def test_rbm_in_pipeline_with_min_max_scaler_and_pickles():
    X, _ = load_digits(return_X_y=True)
    pipe = make_pipeline(
        MinMaxScaler(), RBMTransformer(n_components=8, max_iter=1, random_state=0, device="cpu")
    ).fit(X[:200])
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.transform(X[:10]), pipe.transform(X[:10]))


def test_negative_values_refused_before_training(digits):
    X, _ = digits
    bad = X - 0.5
    before = bad.copy()
    with pytest.raises(ValueError, match="Negative values in data passed to RBMTransformer"):
        RBMTransformer(device="cpu").fit(bad)
    np.testing.assert_array_equal(bad, before)
    rbm = RBMTransformer(n_components=4, max_iter=1, random_state=0, device="cpu").fit(X)
    with pytest.raises(ValueError, match="MinMaxScaler"):
        rbm.transform(bad)
    with pytest.raises(ValueError, match="expecting 64 features"):
        rbm.transform(X[:, :10])


@pytest.mark.parametrize(
    "params", [{"n_gibbs_steps": 0}, {"persistent": "yes"}, {"hidden_layer_sizes": ()}]
)
def test_invalid_parameters(params, digits):
    X, _ = digits
    cls = RBMTransformer if "hidden_layer_sizes" not in params else DBNTransformer
    with pytest.raises(ValueError, match=next(iter(params))):
        cls(**params, device="cpu").fit(X)


def test_pretraining_is_named_as_the_vocabulary_says(digits):
    # pretrain_learning_rate is now pretrain_learning_rate_init (a rate; learning_rate
    # is a schedule) and the net's pretrain_epochs n_pretrain_epochs, as the estimator's.
    X, _ = digits
    y = np.arange(len(X)) % 2
    params = dict(hidden_layer_sizes=(8,), n_pretrain_epochs=2, max_iter=1, random_state=0)
    curves = {}
    for rate in (1e-6, 0.5):
        clf = DBNClassifier(**params, pretrain_learning_rate_init=rate, device="cpu").fit(X, y)
        assert clf.net_.n_pretrain_epochs == 2 and clf.net_.pretrain_learning_rate_init == rate
        curves[rate] = clf.pretrain_loss_curves_[0]
    assert curves[1e-6][0] - curves[1e-6][-1] < curves[0.5][0] - curves[0.5][-1]
    assert "pretrain_learning_rate" not in DBNClassifier().get_params()


def test_contrastive_divergence_epochs_are_a_schedule():
    # Read by the base: reaching max_iter is no ConvergenceWarning for them.
    assert RBMTransformer._max_iter_is_schedule and DBNTransformer._max_iter_is_schedule
    assert not getattr(DBNClassifier, "_max_iter_is_schedule", False)  # backpropagation
