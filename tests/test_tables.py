"""Tables as users have them: DataFrames with categorical and missing columns (issue 27)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.model_selection import cross_val_score

from sknets import (
    AutoencoderTransformer,
    DBNClassifier,
    FTTransformerClassifier,
    FTTransformerRegressor,
    FusionClassifier,
    MLPClassifier,
    MLPRegressor,
    ModuleClassifier,
    ModuleRegressor,
    RBMTransformer,
    TabMClassifier,
    TabMRegressor,
    ZeroShotClassifier,
)
from sknets._inputs._table import MANY_CATEGORIES, _apply_quantiles, _quantiles


def _table(n=300, seed=0):
    """A table whose label depends on a categorical column and a numeric one with gaps."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=n)
    size = rng.normal(size=n)
    label = ((colour == "red") ^ (size > 0.3)).astype(int)
    frame = pd.DataFrame(
        {
            "colour": pd.Series(colour, dtype="category"),
            "size": size,
            "city": pd.Series(rng.choice(["Paris", "Oslo", None], size=n), dtype="string"),
            "flag": rng.random(n) > 0.5,
            "count": pd.array(rng.integers(0, 5, size=n), dtype="Int64"),
            "shop": rng.choice(np.array(["a", "b", "c"], dtype=object), size=n),
        }
    )
    frame.loc[::7, "size"] = np.nan
    frame.loc[::11, "count"] = pd.NA
    frame.loc[::13, "shop"] = None
    return frame, label


def _fast(estimator_class=MLPClassifier, **params):
    defaults = {"hidden_layer_sizes": (32,), "max_iter": 150, "random_state": 0, "device": "cpu"}
    return estimator_class(**{**defaults, **params})


def test_a_dataframe_with_categorical_and_missing_columns_fits_and_predicts():
    X, y = _table()
    before = X.copy()
    clf = _fast().fit(X, y)
    assert clf.score(X, y) > 0.85  # the label needs the colour's embedding; 1 row in 7 has no size
    pd.testing.assert_frame_equal(X, before)  # nothing the caller passed is changed
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.n_features_in_ == 6
    np.testing.assert_array_equal(clf.is_categorical_, [True, False, True, False, False, True])
    encoding = clf.table_encoding_
    assert encoding.numeric_transform == "standard"  # "auto" on a table
    np.testing.assert_array_equal(encoding.categories[0], ["blue", "green", "red"])
    # colour, city, shop: kept categories + missing + rare/unseen
    assert encoding.category_sizes == (5, 4, 5)
    assert list(encoding.indicators) == [0, 2]  # size and count had gaps


def test_unseen_and_missing_categories_predict_and_are_coded_apart():
    X, y = _table()
    clf = _fast().fit(X, y)
    new = X.head(3).copy()
    new["colour"] = pd.Series(["purple", None, "red"], dtype="category", index=new.index)
    assert clf.predict(new).shape == (3,)
    codes = clf.table_encoding_.encode(new, dtype=np.float64, name="t")[:, -3]
    assert codes.tolist() == [0.0, 1.0, 4.0]  # unseen, missing, "red"


def test_rare_categories_share_the_unseen_slot():
    X, y = _table()
    X = X.assign(colour=X["colour"].astype(object))
    X.loc[X.index[0], "colour"] = "mauve"  # seen once
    clf = _fast(min_frequency=2).fit(X, y)
    assert "mauve" not in clf.table_encoding_.categories[0]
    fraction = _fast(min_frequency=0.5).fit(X, y)
    assert fraction.table_encoding_.categories[0].size == 0  # no colour holds half the rows


def test_categorical_features_by_mask_indices_names_and_none():
    X, y = _table()
    by_name = _fast(categorical_features=["colour", "shop", "city", "count"]).fit(X, y)
    np.testing.assert_array_equal(by_name.is_categorical_, [1, 0, 1, 0, 1, 1])
    mask = np.array([True, False, True, False, True, True])
    by_mask = _fast(categorical_features=mask).fit(X, y)
    np.testing.assert_array_equal(by_mask.is_categorical_, mask)
    numeric = X[["size", "count", "flag"]]
    assert _fast(categorical_features=None).fit(numeric, y).is_categorical_ is None
    with pytest.raises(ValueError, match="column 'colour' holds 'blue'.*not a number"):
        _fast(categorical_features=None).fit(X, y)
    with pytest.raises(ValueError, match="names columns X does not have: \\['nope'\\]"):
        _fast(categorical_features=["nope"]).fit(X, y)
    with pytest.raises(ValueError, match="needs X as a pandas DataFrame"):
        _fast(categorical_features=["colour"]).fit(numeric.to_numpy(float), y)
    with pytest.raises(ValueError, match="index outside"):
        _fast(categorical_features=[9]).fit(numeric.to_numpy(float), y)


def test_integer_codes_in_an_array_are_categories_when_named():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 4, 400), rng.normal(size=400)])
    y = (X[:, 0] % 2 == 0).astype(int)  # parity: no order of the codes gives it
    clf = _fast(categorical_features=[0]).fit(X, y)
    assert clf.table_encoding_.categories[0].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert clf.score(X, y) == 1.0


def test_numeric_rows_reach_the_network_as_given():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 3)), rng.integers(0, 2, 50)
    clf = _fast(max_iter=5).fit(X, y)
    assert clf.table_encoding_.passthrough and clf.is_categorical_ is None
    assert clf._input_adapter().validate_predict(X, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(
        clf._input_adapter().validate_predict(X, dtype=np.float32), X.astype(np.float32)
    )


def test_missing_values_in_a_numpy_array_get_an_indicator_and_an_imputed_value():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    X[::5, 1] = np.nan
    clf = _fast().fit(X, y)
    assert list(clf.table_encoding_.indicators) == [1]
    rows = clf.table_encoding_.encode(X[:5], dtype=np.float64, name="t")
    assert rows.shape == (5, 3) and rows[0, 1] == 0.0 and rows[0, 2] == 1.0
    assert not np.isnan(clf.predict_proba(X)).any()
    # A column without gaps in fit is imputed, without indicator, when one comes later.
    later = X[:3].copy()
    later[0, 0] = np.nan
    assert clf.predict(later).shape == (3,)
    with pytest.raises(ValueError, match="infinity"):
        clf.predict(np.array([[np.inf, 0.0]]))


@pytest.mark.parametrize("transform", ["standard", "quantile", None])
def test_numeric_transform_choices(transform):
    X, y = _table()
    clf = _fast(numeric_transform=transform).fit(X, y)
    rows = clf.table_encoding_.encode(X, dtype=np.float64, name="t")
    size = rows[~X["size"].isna().to_numpy(), 0]
    if transform is None:
        np.testing.assert_allclose(size, X["size"].dropna())
    else:
        assert abs(size.mean()) < 0.1 and 0.8 < size.std() < 1.2
    assert clf.score(X, y) > 0.85


def test_the_quantile_transform_is_scikit_learns():
    from sklearn.preprocessing import QuantileTransformer

    values = np.random.default_rng(0).exponential(size=3000)
    quantiles = _quantiles(values)
    reference = QuantileTransformer(n_quantiles=len(quantiles), output_distribution="normal")
    expected = reference.fit_transform(values[:, None]).ravel()
    np.testing.assert_allclose(_apply_quantiles(values, quantiles), expected, atol=1e-6)


def test_a_column_that_changes_type_or_appears_is_refused():
    X, y = _table()
    clf = _fast(max_iter=5).fit(X, y)
    wrong = X.assign(size=X["size"].astype(object))
    wrong.loc[wrong.index[1], "size"] = "large"
    with pytest.raises(ValueError, match="'size' held number values in fit and holds string"):
        clf.predict(wrong)
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        clf.predict(X.assign(extra=1.0))
    with pytest.raises(ValueError, match="Feature names seen at fit time, yet now missing"):
        clf.predict(X.drop(columns="flag"))


def test_an_all_missing_column_is_refused_before_training():
    X, y = _table()
    with pytest.raises(ValueError, match="'size' is missing in every training row"):
        _fast().fit(X.assign(size=np.nan), y)
    with pytest.raises(ValueError, match="'shop' is missing in every training row"):
        _fast().fit(X.assign(shop=None), y)


def test_a_column_with_thousands_of_levels_warns_how_it_is_handled():
    X, y = _table(n=MANY_CATEGORIES + 200)
    X = X.assign(customer=[f"id{i}" for i in range(len(X))])
    with pytest.warns(UserWarning, match="'customer' has 1,200 distinct values.*drop it"):
        clf = _fast(max_iter=3).fit(X, y)
    assert clf.table_encoding_.categories[-1].size == 0  # each seen once: all share one slot


def test_sparse_rows_take_no_numeric_transform():
    X = sp.random(40, 5, density=0.3, format="csr", random_state=0)
    y = np.arange(40) % 2
    assert _fast(max_iter=3).fit(X, y).table_encoding_ is None
    with pytest.raises(TypeError, match="sparse X.*numeric_transform='quantile'"):
        _fast(numeric_transform="quantile").fit(X, y)


def test_regression_on_a_table_and_cross_validation():
    X, label = _table()
    y = label * 2.0 + np.nan_to_num(X["size"].to_numpy())
    reg = _fast(MLPRegressor, max_iter=100).fit(X, y)
    assert reg.score(X, y) > 0.75
    scores = cross_val_score(_fast(), X, label, cv=3)
    assert scores.mean() > 0.7


def test_a_table_fitted_estimator_pickles_and_saves_with_skops(tmp_path):
    skops_io = pytest.importorskip("skops.io")
    from sknets.utils import trusted_types

    X, y = _table()
    clf = _fast(max_iter=10).fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected)
    skops_io.dump(clf, tmp_path / "table.skops")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = skops_io.load(tmp_path / "table.skops", trusted=trusted_types())
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-6)


def test_fusion_branches_take_a_tables_columns():
    X, y = _table()
    rng = np.random.default_rng(1)
    X = X.assign(p0=rng.normal(size=len(X)), p1=rng.normal(size=len(X)))
    fusion = FusionClassifier(
        [
            ("table", MLPClassifier(hidden_layer_sizes=(16,)), ["colour", "size", "shop"]),
            ("extra", MLPClassifier(hidden_layer_sizes=(8,)), ["p0", "p1"]),
        ],
        max_iter=60,
        random_state=0,
        device="cpu",
    ).fit(X, y)
    assert fusion.score(X, y) > 0.85
    table_branch = dict(fusion._fitted_branches)["table"]
    np.testing.assert_array_equal(table_branch.is_categorical_, [True, False, True])


@pytest.mark.parametrize(
    "estimator_class", [TabMClassifier, FTTransformerClassifier], ids=lambda c: c.__name__
)
def test_the_tabular_networks_take_a_table_with_quantile_transformed_numbers(estimator_class):
    X, y = _table()
    params = {**estimator_class._get_test_params(), "max_iter": 200, "device": "cpu"}
    if estimator_class is FTTransformerClassifier:
        params["learning_rate_init"] = 3e-3  # the paper's 1e-4 needs hundreds of epochs
    clf = estimator_class(**params).fit(X, y)
    assert clf.table_encoding_.numeric_transform == "quantile"
    assert clf.table_encoding_.category_sizes == (5, 4, 5)
    assert clf.score(X, y) > 0.85  # the label needs the colour's embedding
    new = X.head(2).assign(colour=pd.Series(["purple", None], dtype="category"))
    assert clf.predict_proba(new).shape == (2, 2)


def test_onnx_export_refuses_a_table_encoded_inside():
    skl2onnx = pytest.importorskip("skl2onnx")
    from sknets.onnx import NotExportableError

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    X[::4, 1] = np.nan
    clf = _fast(max_iter=3).fit(X, y)
    with pytest.raises(NotExportableError, match="table it encodes inside"):
        skl2onnx.to_onnx(clf, X[:1])


_SMALL_REGRESSORS = [
    (TabMRegressor, {"hidden_layer_sizes": (16,), "n_members": 4, "dropout": 0.0}),
    (
        FTTransformerRegressor,
        {
            "d_model": 8,
            "n_heads": 2,
            "n_layers": 1,
            "dim_feedforward": 8,
            "dropout": 0.0,
            "attention_dropout": 0.0,
            "learning_rate_init": 3e-3,
        },
    ),
]


@pytest.mark.parametrize(("estimator_class", "params"), _SMALL_REGRESSORS)
def test_tabular_regressors_train_on_the_standardised_target(estimator_class, params):
    # The network learns (y - mean) / std: a target in other units (a * y + b)
    # trains the same network, and predictions come back in its own units.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0] + 0.1 * rng.normal(size=120)
    settings = {
        **params,
        "max_iter": 15,
        "batch_size": 32,
        "early_stopping": False,
        "numeric_transform": None,
        "random_state": 0,
        "device": "cpu",
        "dtype": "float64",
    }
    small = estimator_class(**settings).fit(X, y)
    large = estimator_class(**settings).fit(X, 1e4 * y + 3e5)
    np.testing.assert_allclose(large.predict(X), 1e4 * small.predict(X) + 3e5, rtol=1e-7)
    np.testing.assert_allclose(large.loss_curve_, small.loss_curve_, rtol=1e-6)
    assert large.score(X, 1e4 * y + 3e5) > 0.8
    scaling = large.module_.target_scaling
    np.testing.assert_allclose(scaling.shift.numpy(), [np.mean(1e4 * y + 3e5)])
    np.testing.assert_allclose(scaling.scale.numpy(), [np.std(1e4 * y)])


@pytest.mark.parametrize(("estimator_class", "params"), _SMALL_REGRESSORS)
def test_target_scaling_is_weighted_per_target_and_absent_for_poisson(estimator_class, params):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([rng.normal(5.0, 2.0, 60), np.full(60, 7.0)])
    weights = rng.integers(1, 4, size=60).astype(float)
    reg = estimator_class(**params, max_iter=2, early_stopping=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, Y, sample_weight=weights)
    scaling = reg.module_.target_scaling
    mean = np.average(Y, axis=0, weights=weights)
    np.testing.assert_allclose(scaling.shift.numpy(), mean, rtol=1e-6)
    # A constant target keeps a scale of 1 (StandardScaler's rule).
    expected = [np.sqrt(np.average((Y[:, 0] - mean[0]) ** 2, weights=weights)), 1.0]
    np.testing.assert_allclose(scaling.scale.numpy(), expected, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = reg.set_params(loss="poisson").fit(X, np.abs(Y))
    np.testing.assert_array_equal(poisson.module_.target_scaling.scale.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(poisson.module_.target_scaling.shift.numpy(), [0.0, 0.0])


def test_the_references_parameter_groups_leave_embeddings_and_biases_undecayed():
    X, y = _table(n=60)
    for estimator, undecayed in [
        (
            TabMClassifier(hidden_layer_sizes=(8,), n_members=2, max_iter=1),
            lambda name: name.endswith("bias") or name == "numeric.frequencies",
        ),
        (
            FTTransformerClassifier(
                d_model=8, n_heads=2, n_layers=1, dim_feedforward=8, max_iter=1
            ),
            lambda name: name.startswith("tokenizer.") or name.endswith("bias") or "norm" in name,
        ),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(X, y)
        groups = estimator.net_.optimizer_.param_groups
        decay_of = {id(p): group["weight_decay"] for group in groups for p in group["params"]}
        names = dict(estimator.module_.named_parameters())
        assert len(decay_of) == len(names)
        for name, parameter in names.items():
            expected = 0.0 if undecayed(name) else estimator.alpha
            assert decay_of[id(parameter)] == expected, name


def test_a_module_estimator_takes_a_table_when_its_module_takes_category_sizes():
    from sknets.networks import MLP

    X, y = _table()
    clf = ModuleClassifier(
        MLP, module_params={"hidden_layer_sizes": (16,)}, max_iter=200, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.8
    embeddings = clf.module_.table.categories.embeddings
    assert [e.num_embeddings for e in embeddings] == list(clf.table_encoding_.category_sizes)
    assert list(clf.feature_names_in_) == list(X.columns)


def test_a_module_without_category_sizes_is_refused_a_categorical_table_before_training():
    from torch import nn

    def linear(n_features, n_outputs):
        return nn.Linear(n_features, n_outputs)

    X, y = _table()
    with pytest.raises(ValueError, match=r"categorical column.*'linear' takes no category_sizes"):
        ModuleRegressor(linear).fit(X, y.astype(float))
    # Missing numeric values alone reach it imputed, with their indicator column.
    numeric = X[["size"]]
    reg = ModuleRegressor(linear, max_iter=5).fit(numeric, y.astype(float))
    assert reg.module_.in_features == 2
    assert np.isfinite(reg.predict(numeric)).all()


@pytest.mark.parametrize(
    "estimator", [AutoencoderTransformer(), RBMTransformer(), DBNClassifier()], ids=type
)
def test_estimators_of_numeric_rows_name_those_that_take_tables(estimator):
    X, y = _table(n=40)
    with pytest.raises(ValueError, match="takes numeric rows.*TabMClassifier.*OneHotEncoder"):
        estimator.fit(X, y)
    gaps = np.abs(np.random.default_rng(0).normal(size=(40, 3)))
    gaps[3, 1] = np.nan
    with pytest.raises(ValueError, match="takes complete rows.*NaN.*SimpleImputer"):
        estimator.fit(gaps, y)
    assert np.isnan(gaps[3, 1])


def test_zero_shot_classifier_takes_a_table():
    X, y = _table()
    attributes = pd.DataFrame([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], index=[0, 1, 2])
    clf = ZeroShotClassifier(attributes, max_iter=150, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8
    assert list(clf.feature_names_in_[clf.is_categorical_]) == ["colour", "city", "shop"]
    assert clf.predict_proba(X.iloc[:3]).shape == (3, 3)
