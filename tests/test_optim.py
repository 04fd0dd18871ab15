"""sknets' optimizers: scikit-learn's SGD update and full-batch L-BFGS."""

import copy
import pickle

import numpy as np
import pytest
import torch
from _toys import ToyKMeansTransformer, ToyTwoOptimizerRegressor
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

from sknets._optim import LBFGS, SGD


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_is_sklearns_update_at_changing_rates(momentum, nesterov):
    rng = np.random.RandomState(0)
    start = rng.normal(size=(3, 2))
    theirs = start.copy()
    reference = SGDOptimizer(
        [theirs],
        learning_rate_init=0.2,
        lr_schedule="invscaling",
        momentum=momentum,
        nesterov=nesterov,
        power_t=0.5,
    )
    ours = torch.tensor(start, requires_grad=True)
    optimizer = SGD([ours], lr=0.2, momentum=momentum, nesterov=nesterov)
    for step in range(6):
        grad = rng.normal(size=start.shape)
        reference.update_params([theirs], [grad])
        ours.grad = torch.tensor(grad)
        optimizer.step()
        np.testing.assert_allclose(ours.detach().numpy(), theirs, rtol=1e-13, atol=1e-15)
        # The schedule changes the rate between steps, as the estimators' does.
        reference.iteration_ends(time_step=10 * (step + 1))
        optimizer.param_groups[0]["lr"] = reference.learning_rate


def test_sgd_update_by_hand_with_weight_decay():
    # v1 = -lr g1; p1 = p0 + m v1 - lr g1;  v2 = m v1 - lr' g2; p2 = p1 + m v2 - lr' g2,
    # with g = grad + weight_decay * p.
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    optimizer = SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.2)
    p.grad = torch.tensor([0.5, 0.5], dtype=torch.float64)
    optimizer.step()
    g1 = np.array([0.5, 0.5]) + 0.2 * np.array([1.0, -2.0])
    v1 = -0.1 * g1
    p1 = np.array([1.0, -2.0]) + 0.5 * v1 - 0.1 * g1
    np.testing.assert_allclose(p.detach().numpy(), p1, rtol=1e-15)
    optimizer.param_groups[0]["lr"] = 0.01
    p.grad = torch.tensor([-1.0, 2.0], dtype=torch.float64)
    optimizer.step()
    g2 = np.array([-1.0, 2.0]) + 0.2 * p1
    v2 = 0.5 * v1 - 0.01 * g2
    np.testing.assert_allclose(p.detach().numpy(), p1 + 0.5 * v2 - 0.01 * g2, rtol=1e-15)


def test_sgd_state_dict_dtype_moves_and_pickling():
    p = torch.nn.Parameter(torch.ones(3))
    optimizer = SGD([{"params": [p], "initial_lr": 0.1}], lr=0.1, momentum=0.9)
    p.grad = torch.ones(3)
    optimizer.step()
    state = optimizer.state_dict()
    assert state["param_groups"][0]["initial_lr"] == 0.1
    with torch.no_grad():
        p.data = p.data.double()
    optimizer.load_state_dict(state)
    assert optimizer.state[p]["velocity"].dtype == torch.float64
    clone = pickle.loads(pickle.dumps(optimizer))
    torch.testing.assert_close(
        clone.state[clone.param_groups[0]["params"][0]]["velocity"],
        optimizer.state[p]["velocity"],
    )


def _quadratic(matrix, target):
    x = torch.zeros(matrix.shape[1], dtype=torch.float64, requires_grad=True)

    def closure():
        x.grad = None
        loss = 0.5 * (matrix @ x - target).pow(2).sum()
        loss.backward()
        return loss

    return x, closure


def test_lbfgs_minimises_a_quadratic_and_counts_real_evaluations():
    rng = np.random.RandomState(0)
    matrix = torch.tensor(rng.normal(size=(20, 5)))
    target = torch.tensor(rng.normal(size=20))
    x, closure = _quadratic(matrix, target)
    optimizer = LBFGS([x], tolerance_grad=1e-10, tolerance_change=0.0)
    calls = []

    def counted():
        calls.append(1)
        return closure()

    for _ in range(50):
        optimizer.step(counted)
        if optimizer.converged:
            break
    solution = torch.linalg.lstsq(matrix, target[:, None]).solution[:, 0]
    torch.testing.assert_close(x.detach(), solution, rtol=1e-8, atol=1e-8)
    assert optimizer.n_evaluations == len(calls)
    assert len(calls) < optimizer.state[x]["func_evals"]


def test_lbfgs_penalty_is_part_of_the_objective_and_not_of_the_returned_loss():
    # min 0.5 (w - 3)^2 + decay / 2 w^2 is at w = 3 / (1 + decay).
    w = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)

    def closure():
        w.grad = None
        loss = 0.5 * (w - 3.0).pow(2).sum()
        loss.backward()
        return loss

    optimizer = LBFGS([{"params": [w], "weight_decay": 0.5}], tolerance_grad=1e-12)
    for _ in range(20):
        loss = optimizer.step(closure)
        if optimizer.converged:
            break
    assert float(w.detach()) == pytest.approx(2.0, rel=1e-9)
    assert float(loss) == pytest.approx(0.5, rel=1e-8)  # 0.5 * (2 - 3)^2, no penalty


def test_lbfgs_pickles_and_reloads_its_state():
    x, closure = _quadratic(torch.eye(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    optimizer = LBFGS([x], max_fun=7)
    optimizer.step(closure)
    clone = pickle.loads(pickle.dumps(optimizer))
    assert clone.max_fun == 7 and clone.n_evaluations == optimizer.n_evaluations
    assert clone._params == clone.param_groups[0]["params"]
    fresh = LBFGS([x])
    fresh.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    fresh.step(closure)  # continues from the loaded history


@pytest.mark.parametrize(
    "estimator, why",
    [
        (ToyTwoOptimizerRegressor(solver="lbfgs"), "several optimizers"),
        (ToyKMeansTransformer(solver="lbfgs"), "its own training step"),
    ],
)
def test_lbfgs_is_refused_where_it_cannot_step(estimator, why, training_spy, check_unfitted):
    X = np.random.RandomState(0).normal(size=(30, 3))
    y = X.sum(axis=1)
    with pytest.raises(ValueError, match=f"{why}, so it cannot use solver='lbfgs'"):
        estimator.set_params(device="cpu").fit(X, y)
    assert training_spy.calls == 0
    check_unfitted(estimator)
