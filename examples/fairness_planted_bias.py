"""Measure and reduce a bias against a group: fairlearn metrics, a reduction, a penalty.

A synthetic data set with a planted bias (``make_biased_classification``):
the label favours group "a", and a feature gives the group away, so a
network learns the bias.  The script measures it by group with fairlearn's
``MetricFrame``, then reduces it two ways: fairlearn's
``ExponentiatedGradient`` around an sknets classifier (it refits the
network with sample weights), and sknets' in-training ``fairness_penalty``
with the groups passed to ``fit``, here through a Pipeline with
scikit-learn's metadata routing.  Needs fairlearn
(``pip install "sknets[fairness]"``).

Run ``python examples/fairness_planted_bias.py`` (``--max-iter 5`` for a
quick run).
"""

import argparse
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import MLPClassifier


def make_biased_classification(n_samples=2000, bias=1.5, n_noise=2, random_state=None):
    """Binary labels with a planted bias in favour of group "a".

    Each sample has a ``skill`` (standard normal) and a group, "a" or "b"
    with equal chance.  The label is ``skill + bias * [group == "a"] +
    N(0, 0.5²) > 0.75``: at equal skill, group "a" gets the positive label
    more often.  X holds the skill, a ``proxy`` that gives the group away
    (``[group == "a"] + N(0, 0.5²)``, as a postcode or a first name would)
    and ``n_noise`` standard-normal columns.  The group itself is not in X;
    a model still learns the bias through the proxy.

    Returns ``(X, y, group)``: X of shape ``(n_samples, 2 + n_noise)``, y of
    0/1 ints and the group of each sample as strings.
    """
    rng = np.random.default_rng(random_state)
    in_a = rng.integers(0, 2, n_samples)
    skill = rng.normal(size=n_samples)
    proxy = in_a + 0.5 * rng.normal(size=n_samples)
    y = (skill + bias * in_a + 0.5 * rng.normal(size=n_samples) > 0.75).astype(int)
    X = np.column_stack([skill, proxy, rng.normal(size=(n_samples, n_noise))])
    return X, y, np.where(in_a == 1, "a", "b")


def main(max_iter):
    from fairlearn.metrics import MetricFrame, demographic_parity_difference, selection_rate
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient

    X, y, group = make_biased_classification(2000, random_state=0)
    X_test, y_test, group_test = make_biased_classification(2000, random_state=1)

    def report(name, predicted):
        gap = demographic_parity_difference(y_test, predicted, sensitive_features=group_test)
        accuracy = accuracy_score(y_test, predicted)
        print(f"{name}: accuracy {accuracy:.3f}, demographic parity difference {gap:.3f}")

    def network(**params):
        return MLPClassifier((16,), max_iter=max_iter, random_state=0, **params)

    plain = make_pipeline(StandardScaler(), network()).fit(X, y)
    frame = MetricFrame(
        metrics={"accuracy": accuracy_score, "selection rate": selection_rate},
        y_true=y_test,
        y_pred=plain.predict(X_test),
        sensitive_features=group_test,
    )
    print("by group, no mitigation:")
    print(frame.by_group.round(3).to_string())
    report("no mitigation", plain.predict(X_test))

    # A reduction: a sequence of networks refitted with reweighted samples.
    reduction = ExponentiatedGradient(network(), DemographicParity(), max_iter=10)
    reduction.fit(StandardScaler().fit_transform(X), y, sensitive_features=group)
    scaled_test = StandardScaler().fit(X).transform(X_test)
    report("ExponentiatedGradient", reduction.predict(scaled_test, random_state=0))

    # The penalty in the loss, with the groups routed through the Pipeline.
    with sklearn.config_context(enable_metadata_routing=True):
        fair = network(fairness_penalty=1.0).set_fit_request(sensitive_features=True)
        pipe = make_pipeline(StandardScaler(), fair).fit(X, y, sensitive_features=group)
    report("fairness_penalty=1.0", pipe.predict(X_test))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=60, help="epochs per network")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    main(args.max_iter)
