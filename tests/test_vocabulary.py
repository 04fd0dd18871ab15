"""One vocabulary: every parameter name has one meaning, every concept one name, in every family."""

import importlib
import inspect
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

import sknets.networks
from sknets import RBMTransformer
from sknets._vocabulary import (
    PEER_SPELLINGS,
    STRUCTURAL_ARGUMENTS,
    TERMS,
    network_arguments,
    parameter_users,
)
from sknets.base import DataSpec
from sknets.utils import all_estimators


def _network_classes():
    """Every torch module that sknets.networks exports, with its constructor's parameters."""
    for name in sknets.networks.__all__:
        obj = getattr(sknets.networks, name)
        if inspect.isclass(obj) and issubclass(obj, nn.Module) and "__init__" in vars(obj):
            parameters = list(inspect.signature(obj.__init__).parameters.values())[1:]
            yield name, obj, parameters


def test_every_parameter_name_is_in_the_vocabulary_and_every_term_is_used():
    users = parameter_users()
    assert sorted(set(users) - set(TERMS)) == [], "add a TERMS entry (one meaning) for these"
    assert sorted(set(TERMS) - set(users)) == [], "no estimator takes these TERMS names"


def test_no_estimator_spells_a_concept_with_a_peers_name():
    assert sorted(set(parameter_users()) & set(PEER_SPELLINGS)) == []


@pytest.mark.parametrize("name, network, parameters", list(_network_classes()))
def test_networks_take_keyword_arguments_of_the_vocabulary(name, network, parameters):
    positional = [p.name for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    assert positional == [], f"{name} takes {positional} by position"
    names = {p.name for p in parameters}
    assert sorted(names & set(PEER_SPELLINGS)) == [], f"{name} spells a concept otherwise"
    assert sorted(names - set(TERMS) - set(STRUCTURAL_ARGUMENTS)) == [], (
        f"{name}: add these to TERMS (a parameter) or STRUCTURAL_ARGUMENTS (a size)"
    )


def test_every_structural_argument_is_taken_by_a_network():
    taken = {p.name for _, _, parameters in _network_classes() for p in parameters}
    assert sorted(set(STRUCTURAL_ARGUMENTS) - taken) == []


def _family_defaults(network):
    """Defaults of the estimators of the network's family (sknets/_x.py for networks/_x.py)."""
    family = network.__module__.rsplit(".", 1)[-1]
    try:
        module = importlib.import_module(f"sknets.{family}")
    except ImportError:
        return {}
    defaults = {}
    for _, cls in all_estimators():
        if cls.__module__ == module.__name__:
            for param in inspect.signature(cls.__init__).parameters.values():
                defaults.setdefault(param.name, []).append(param.default)
    return defaults


@pytest.mark.parametrize("name, network, parameters", list(_network_classes()))
def test_network_defaults_are_those_of_an_estimator_of_its_family(name, network, parameters):
    family = _family_defaults(network)
    differing = {
        p.name: (p.default, family[p.name])
        for p in parameters
        if p.name in family
        and p.default is not inspect.Parameter.empty
        # None is how an estimator says "the network's default" (ResNet's per-kind filters)
        and None not in family[p.name]
        and not any(_same(p.default, default) for default in family[p.name])
    }
    assert differing == {}, f"{name}'s defaults differ from its estimators' (network, estimators)"


def _same(a, b):
    try:
        return bool(np.all(a == b)) if not isinstance(a, tuple | list) else tuple(a) == tuple(b)
    except (TypeError, ValueError):
        return False


def test_every_peer_spelling_points_to_a_name_of_the_vocabulary():
    for peer, (ours, whose) in PEER_SPELLINGS.items():
        assert peer not in TERMS, peer
        assert whose
        assert all(name in TERMS for name in ours.split(" and ")), (peer, ours)


def test_terms_have_distinct_meanings():
    meanings = [term.meaning for term in TERMS.values()]
    assert len(set(meanings)) == len(meanings)


def test_a_peers_name_gets_a_pointed_error_in_the_constructor_and_set_params():
    pointed = r"'n_iter' \(the name in scikit-learn's BernoulliRBM\): sknets calls it max_iter"
    with pytest.raises(TypeError, match=pointed):
        RBMTransformer(n_iter=10)
    with pytest.raises(TypeError, match="sknets calls it n_components"):
        sknets.CollaborativeFilteringRegressor(n_factors=10)
    with pytest.raises(ValueError, match="sknets calls it max_iter"):
        RBMTransformer().set_params(n_iter=3)
    # a name that is nobody's is still Python's own error
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_iterations'"):
        RBMTransformer(n_iterations=10)


def test_a_number_as_learning_rate_points_to_learning_rate_init():
    X = np.random.default_rng(0).random((20, 4))
    estimator = RBMTransformer(learning_rate=0.06, max_iter=1)
    with pytest.raises(InvalidParameterError, match="learning_rate_init=0.06"):
        estimator.fit(X)
    assert estimator.learning_rate == 0.06
    assert clone(RBMTransformer(learning_rate_init=0.06)).learning_rate_init == 0.06


def test_network_arguments_come_from_given_then_the_data_then_the_parameters():
    estimator = sknets.MLPClassifier(hidden_layer_sizes=[8, 4], dropout=0.2)
    spec = DataSpec(sample_shape=(3,), n_features=3, n_outputs=2)
    arguments = network_arguments(sknets.networks.MLP, estimator, spec, dropout=0.0)
    assert arguments == {
        "n_features": 3,
        "n_outputs": 2,
        "hidden_layer_sizes": (8, 4),  # normalised to a tuple
        "activation": "relu",
        "dropout": 0.0,
        "batch_norm": False,
    }
    with pytest.raises(TypeError, match="MLP takes no argument"):
        network_arguments(sknets.networks.MLP, estimator, spec, width=3)


@pytest.mark.parametrize(
    "estimator, X",
    [
        (RBMTransformer(n_components=4, max_iter=2, random_state=0), "rows"),
        (sknets.DBNTransformer(hidden_layer_sizes=(4,), max_iter=2, random_state=0), "rows"),
        (sknets.CollaborativeFilteringRegressor(n_components=2, max_iter=2, random_state=0), "ids"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else "",
)
def test_estimators_that_train_a_set_number_of_epochs_do_not_warn_at_max_iter(estimator, X):
    rng = np.random.default_rng(0)
    if X == "rows":
        X, y = rng.random((30, 5)), None
    else:
        X, y = rng.integers(0, 5, (40, 2)), rng.random(40) * 4 + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator.fit(X, y)
    assert estimator.n_iter_ == 2


def test_a_parameter_for_another_kind_of_data_is_refused_by_fit(training_spy):
    series = np.random.default_rng(0).random((12, 1, 16))
    labels = np.arange(12) % 2
    with pytest.raises(ValueError, match=r"small_input=False applies to images only.*series"):
        sknets.ResNetClassifier(small_input=False, filters=(4,), n_blocks=1).fit(series, labels)
    with pytest.raises(ValueError, match=r"embedding_dim=8 applies to tokens only.*series"):
        sknets.LSTMClassifier(embedding_dim=8).fit(series, labels)
    assert training_spy.calls == 0
