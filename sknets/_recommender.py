"""Collaborative filtering: ratings of (user, item) pairs, and recommendations."""

import hashlib
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from ._cnn import _dropout_param
from ._inputs import IdPairInput
from ._params import REGRESSOR_ATTRIBUTES, Param, PositiveInts, attributes_doc
from ._training import NeuralNetCore
from ._vocabulary import build_network
from .base import NeuralRegressor
from .networks import INTERACTIONS, CollaborativeFilteringNetwork

__all__ = ["CollaborativeFilteringRegressor"]


_INIT_STD = 0.1  # Surprise's SVD


class UserItemInput(IdPairInput):
    """A user column, then an item column (ints or strings, numpy or pandas).

    Further columns are more descriptions of the item (its genre, its
    brand): each gets its own vectors, summed into the item's.  Plain float
    data of any width (what scikit-learn's checks send) are read the same
    way, each distinct value an id.
    """

    n_columns = None

    def _validated(self, X, y, *, reset, y_numeric):
        X, y = super()._validated(X, y, reset=reset, y_numeric=y_numeric)
        if X.shape[1] < 2:
            raise ValueError(
                f"{self.name} takes a user id column and an item id column, but X has "
                f"{X.shape[1]} feature(s)."
            )
        return X, y


class RatingNet(NeuralNetCore):
    """The training net of a recommender, which keeps the (user, item) pairs it was fit on.

    ``seen_pairs`` (a boolean users x items sparse matrix) is what
    ``recommend(exclude_seen=True)`` leaves out; partial_fit adds to it.
    """

    # Kept as a CSR matrix's arrays: plain arrays are what a saved model holds.
    carried_attributes = ("seen_items_by_user",)
    seen_items_by_user = None  # (indptr, indices, n_items)

    @property
    def seen_pairs(self):
        if self.seen_items_by_user is None:
            return None
        indptr, indices, n_items = self.seen_items_by_user
        shape = (len(indptr) - 1, n_items)
        return sp.csr_matrix((np.ones(len(indices), bool), indices, indptr), shape=shape)

    @seen_pairs.setter
    def seen_pairs(self, matrix):
        matrix = sp.csr_matrix(matrix)
        matrix.sort_indices()
        self.seen_items_by_user = (matrix.indptr, matrix.indices, matrix.shape[1])


class PenalisedRatingLoss(torch.nn.Module):
    """The regressor's per-rating loss plus ``alpha / 2`` times the rating's L2 term.

    The penalty of each rating covers the vectors and biases of its user
    and item (Koren et al., 2009; Surprise's SVD): an id is penalised once
    per rating it takes part in, so rarely seen ids are pulled to zero
    less than with a weight decay, which also acts on ids absent from a batch.
    """

    def __init__(self, loss, alpha):
        super().__init__()
        self.loss = loss
        self.alpha = alpha

    def forward(self, outputs, target):
        _, penalty = outputs
        return self.loss(outputs, target) + 0.5 * self.alpha * penalty


def id_normal(ids, width, std, seed):
    """N(0, std) vectors, one per id, each a function of the id's value and ``seed`` alone.

    An id starts from the same vector whatever other ids the data hold, so
    a rating of weight 0 trains as a rating left out (scikit-learn's
    sample-weight check) and adding users leaves the others' start alone.
    """
    keys = np.array(
        [int.from_bytes(hashlib.blake2b(str(v).encode(), digest_size=8).digest()) for v in ids],
        dtype=np.uint64,
    )
    counter = keys[:, None] ^ np.uint64(seed) + np.arange(2 * width, dtype=np.uint64)
    # splitmix64: a counter-based generator, vectorised.
    z = counter * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    uniform = ((z ^ (z >> np.uint64(31))) >> np.uint64(11)) * 2.0**-53
    radius = np.sqrt(-2.0 * np.log1p(-uniform[:, :width]))
    return std * radius * np.cos(2 * np.pi * uniform[:, width:])


def seen_items(X, n_users, n_items, previous=None):
    """A sparse (n_users, n_items) 0/1 matrix of the known pairs in X (id indices)."""
    X = np.asarray(X)[:, :2]
    known = (X[:, 0] < n_users) & (X[:, 1] < n_items)
    rows, columns = X[known, 0], X[known, 1]
    seen = sp.csr_matrix((np.ones(len(rows), bool), (rows, columns)), shape=(n_users, n_items))
    return seen if previous is None else (seen + previous).astype(bool)


def build_recommender(estimator, spec):
    """The estimator's untrained network, its user vectors started from their ids."""
    seed = int(torch.randint(2**62, ()))  # drawn first: the tables' sizes vary
    network = build_network(
        CollaborativeFilteringNetwork,
        estimator,
        spec,
        n_users=spec.n_ids[0],
        n_items=spec.n_ids[1:],
        global_mean=estimator._initial_bias,
    )
    users = network.user_factors.weight
    vectors = id_normal(estimator.categories_[0], users.shape[1], _INIT_STD, seed)
    with torch.no_grad():
        users[: len(vectors)] = torch.as_tensor(vectors)
    return network


def top_items(estimator, user_ids, n, exclude_seen):
    """What ``recommend`` returns, computed by ``estimator``'s network."""
    check_is_fitted(estimator)
    users, items = estimator.categories_[0], estimator.categories_[1]
    if len(estimator.categories_) != 2 or estimator.n_outputs_ != 1:
        raise ValueError(
            f"recommend ranks the items of one item column by one predicted rating, but "
            f"{type(estimator).__name__} was fitted on {len(estimator.categories_) - 1} item "
            f"columns and {estimator.n_outputs_} targets."
        )
    user_ids = np.asarray(user_ids, dtype=object)
    if user_ids.ndim != 1:
        raise ValueError(f"user_ids must be 1-D, got an array of shape {user_ids.shape}.")
    pairs = np.empty((len(user_ids), 2), dtype=object)
    pairs[:, 0], pairs[:, 1] = user_ids, items[0]
    try:
        user_index = estimator._input(estimator)._indices(pairs)[:, 0]
    except (TypeError, ValueError):
        raise ValueError(
            f"user_ids must be ids of the type the users were fitted with ({users.dtype}); "
            f"got {user_ids[:3].tolist()}..."
        ) from None
    seen = estimator.net_.seen_pairs
    # Unknown users (index len(users)) have seen nothing.
    seen = sp.vstack([seen, sp.csr_matrix((1, len(items)), dtype=bool)]).tocsr()[user_index]
    fewest_unseen = int(
        np.min(len(items) - (seen.getnnz(axis=1) if exclude_seen else 0), initial=len(items))
    )
    if n > fewest_unseen:
        raise ValueError(
            f"recommend was asked for n={n} items, but {fewest_unseen} items are "
            f"left to recommend to some of these users ({len(items)} items known"
            f"{', less the ones each user rated' if exclude_seen else ''})."
        )
    if not len(user_index):
        return np.empty((0, n), dtype=items.dtype)
    grid = np.stack(np.meshgrid(user_index, np.arange(len(items)), indexing="ij"), axis=-1)
    scores = estimator._forward_network(grid.reshape(-1, 2))[0].numpy().reshape(grid.shape[:2])
    if exclude_seen:
        scores[seen.nonzero()] = -np.inf
    return items[np.argsort(-scores, axis=1, kind="stable")[:, :n]]


_RECOMMENDER_PARAMS = (
    Param(
        "interaction",
        "dot",
        "{" + ", ".join(f'"{name}"' for name in INTERACTIONS) + "}",
        """
        How a user's and an item's vectors combine: ``"dot"``, their inner
        product (biased matrix factorisation, Koren et al., 2009);
        ``"mlp"``, an MLP tower on the two vectors; ``"neumf"``, the
        element-wise product of one pair of vectors beside an MLP tower on
        a second pair (neural collaborative filtering, He et al., 2017).
        The global mean and the user and item biases are added in each
        case.""",
        [StrOptions(set(INTERACTIONS))],
    ),
    Param(
        "n_components",
        100,
        "int",
        """
        Latent factors: the width of each user and item vector (Surprise's
        SVD: 100; its ``n_factors``, scikit-learn's ``n_components`` of
        NMF).""",
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "hidden_layer_sizes",
        (64, 32, 16, 8),
        "int or sequence of int",
        """
        Widths of the MLP tower's ReLU layers with ``interaction="mlp"`` or
        ``"neumf"`` (He et al.'s tower, halving at each layer); ignored by
        ``"dot"``.""",
        [PositiveInts()],
    ),
    _dropout_param(0.0, 'after each layer of the MLP tower ("mlp", "neumf")'),
    Param(
        "alpha",
        0.1,
        "float",
        """
        L2 penalty on the vectors and biases of each rating's user and item,
        added to that rating's loss (``alpha / 2`` times their squared
        norms, Koren et al., 2009; Surprise's ``reg_all``); ids are thus
        penalised in proportion to their number of ratings. Surprise's SVD
        uses 0.02 but stops its plain SGD after 20 epochs, far from the
        minimum; Adam gets much closer in as many epochs and needs 0.1 on
        MovieLens-100k. The MLP tower is regularised by ``dropout`` only,
        as in He et al. (2017).""",
        [Interval(Real, 0, None, closed="left")],
    ),
)
_TEST_PARAMS = {
    "n_components": 4,
    "batch_size": "auto",
    "max_iter": 50,
    "learning_rate_init": 0.05,
    "random_state": 0,
}
_RECOMMENDER_ATTRIBUTES = {
    "categories_": (
        "list of ndarray",
        "The known ids of each column (users, then items), sorted, in the column's type.",
    ),
    "module_": (
        "torch.nn.Module",
        "The trained :class:`sknets.networks.CollaborativeFilteringNetwork`.",
    ),
}


class CollaborativeFilteringRegressor(NeuralRegressor):
    __doc__ = f"""Rating prediction from user and item ids: matrix factorisation or NCF.

    X has two columns, the user id and the item id (ints or strings, numpy
    or pandas); y is the rating. Each known user and item gets a learnt
    vector of ``n_components`` values and a bias; the predicted rating is the
    global mean plus both biases plus the ``interaction`` of the two
    vectors (:class:`sknets.networks.CollaborativeFilteringNetwork`).
    ``recommend`` ranks the items for given users.

    Ids unseen in fit are accepted at predict time: an unknown user's
    rating of an item is the global mean plus the item's bias, an unknown
    item's the global mean plus the user's bias, and a pair of unknowns
    gets the global mean. Further columns of X are read as more ids that
    describe the item, each with its own vector and bias summed into the
    item's (as LightFM's item features).

    Attributes
    ----------{attributes_doc(REGRESSOR_ATTRIBUTES, **_RECOMMENDER_ATTRIBUTES)}

    See Also
    --------
    MLPRegressor : Regression on feature rows.

    Notes
    -----
    Training minimises the squared error of the ratings plus the per-rating
    L2 penalty ``alpha`` with Adam on mini-batches of 256 ratings (He et
    al., 2017), from the global mean and zero biases, the
    user vectors drawn from N(0, 0.1) as in Surprise's SVD (from each id's
    value, so an id starts alike whatever other ids the data hold) and the
    item vectors from zero. On MovieLens-100k the defaults reach an RMSE of
    about 0.91 in 20 epochs, below Surprise's SVD (0.934); the neural
    interactions overfit explicit ratings unless ``dropout`` (0.5) and
    fewer epochs (10) hold them back. See the benchmark page.

    References
    ----------
    .. [1] Koren, Y., Bell, R., & Volinsky, C. (2009). Matrix factorization
       techniques for recommender systems. Computer, 42(8), 30-37.
    .. [2] He, X., Liao, L., Zhang, H., Nie, L., Hu, X., & Chua, T.-S. (2017).
       Neural collaborative filtering. WWW, 173-182.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import CollaborativeFilteringRegressor
    >>> X = np.array([["ann", "film"], ["ann", "book"], ["bob", "film"], ["cat", "book"]])
    >>> y = np.array([5.0, 1.0, 4.0, 2.0])
    >>> cf = CollaborativeFilteringRegressor(n_components=4, max_iter=20, random_state=0,
    ...                                      device="cpu").fit(X, y)
    >>> cf.predict([["bob", "book"], ["dan", "film"]]).shape
    (2,)
    >>> cf.recommend(["bob", "dan"], n=1)
    array([['book'],
           ['film']], dtype='<U4')
    """

    _params = _RECOMMENDER_PARAMS
    _defaults = {"batch_size": 256, "max_iter": 20, "learning_rate_init": 0.001}
    # Surprise's SVD is a schedule of 20 epochs, not a search for a
    # minimum: its training error keeps falling while held-out error rises.
    _max_iter_is_schedule = True
    _input = UserItemInput
    _net_class = RatingNet

    def _combined_sample_weight(self, sample_weight, n_samples, y):
        weight, mean_weight = super()._combined_sample_weight(sample_weight, n_samples, y)
        mean = np.average(np.asarray(y, dtype=np.float64), axis=0, weights=weight)
        self._initial_bias = np.log(mean) if self.loss == "poisson" else mean
        return weight, mean_weight

    def _build_module(self, spec):
        return build_recommender(self, spec)

    def _make_criterion(self):
        return PenalisedRatingLoss(super()._make_criterion(), self.alpha)

    def _optimizer_specs(self, batch_size, mean_weight):
        specs = super()._optimizer_specs(batch_size, mean_weight)
        for _, kwargs, _ in specs.values():
            kwargs["weight_decay"] = 0.0  # alpha is in the loss, per rating
        return specs

    def _after_fit(self, X):
        n_users, n_items = (len(ids) for ids in self.categories_[:2])
        self.net_.seen_pairs = seen_items(X, n_users, n_items, self.net_.seen_pairs)

    @validate_params(
        {"user_ids": ["array-like"], "n": [Interval(Integral, 1, None, closed="left")]},
        prefer_skip_nested_validation=True,
    )
    def recommend(self, user_ids, n=10, exclude_seen=True):
        """The ``n`` items of highest predicted rating for each user, best first.

        Parameters
        ----------
        user_ids : array-like of shape (n_users,)
            Users, as in the first column of X; an unknown user gets the
            items of highest bias (the best-rated ones).
        n : int, default=10
            Items per user. More than the items left to recommend to one of
            the users (all known items, less the ones that user rated in
            fit with ``exclude_seen``) is a ValueError.
        exclude_seen : bool, default=True
            Leave out the items each user rated in fit.

        Returns
        -------
        items : ndarray of shape (n_users, n)
            Item ids, as in the second column of X.
        """
        return top_items(self, user_ids, n, exclude_seen)

    @classmethod
    def _get_test_params(cls):
        return dict(_TEST_PARAMS)
