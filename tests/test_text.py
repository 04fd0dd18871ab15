"""TextTokenizer: strings to padded int64 token ids."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sknets import LSTMClassifier, TextTokenizer, TransformerClassifier

TEXTS = ["A good film!", "a bad, bad film", "good"]


def test_ids_follow_frequency_then_alphabet_with_padding_and_unknowns():
    tokenizer = TextTokenizer().fit(TEXTS)
    # a, bad, film, good twice each (alphabetical among ties), then "!" and ",".
    assert tokenizer.vocabulary_ == {"a": 2, "bad": 3, "film": 4, "good": 5, "!": 6, ",": 7}
    assert tokenizer.vocab_size_ == 8
    assert tokenizer.max_len_ == 5  # "a bad , bad film"
    ids = tokenizer.transform(["good film!", "terrible film"])
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [[5, 4, 6, 0, 0], [1, 4, 0, 0, 0]])


def test_max_len_truncates_and_pads():
    tokenizer = TextTokenizer(max_len=2).fit(TEXTS)
    np.testing.assert_array_equal(tokenizer.transform(["a bad film", "good"]), [[2, 3], [5, 0]])
    assert tokenizer.get_feature_names_out().tolist() == ["texttokenizer0", "texttokenizer1"]


def test_max_features_keeps_the_most_frequent_tokens():
    tokenizer = TextTokenizer(max_features=2).fit(TEXTS)
    assert tokenizer.vocabulary_ == {"a": 2, "bad": 3}
    assert tokenizer.transform(["good bad"]).max() < tokenizer.vocab_size_ == 4


@pytest.mark.parametrize("min_df, expected", [(2, {"a", "film", "good"}), (0.9, set())])
def test_min_df_counts_documents(min_df, expected):
    if not expected:
        with pytest.raises(ValueError, match="No token is left with min_df=0.9"):
            TextTokenizer(min_df=min_df).fit(TEXTS)
        return
    # "bad" appears twice but in one document only.
    assert set(TextTokenizer(min_df=min_df).fit(TEXTS).vocabulary_) == expected


def test_character_level_and_case():
    tokenizer = TextTokenizer(level="char", lowercase=False).fit(["Ab", "ba"])
    assert set(tokenizer.vocabulary_) == {"A", "a", "b"}
    np.testing.assert_array_equal(
        tokenizer.inverse_transform(tokenizer.transform(["ab", "B"])), ["ab", "<unk>"]
    )


def test_every_text_container_gives_the_same_ids():
    expected = TextTokenizer().fit_transform(TEXTS)
    for container in (
        np.array(TEXTS),
        np.array(TEXTS, dtype=object)[:, None],
        pd.Series(TEXTS),
        pd.DataFrame({"review": TEXTS}),
        tuple(TEXTS),
    ):
        np.testing.assert_array_equal(TextTokenizer().fit_transform(container), expected)


@pytest.mark.parametrize(
    "bad, message",
    [
        ("just one text", "single string"),
        (["fine", None], "text 1 is a missing value"),
        (pd.Series(["fine", np.nan]), "text 1 is a missing value"),
        (["fine", 3], "text 1 is int"),
        (np.array([["a", "b"], ["c", "d"]]), r"shape \(n_samples,\) or \(n_samples, 1\)"),
        ([], "0 texts"),
    ],
)
def test_what_is_not_a_collection_of_texts_is_refused(bad, message):
    tokenizer = TextTokenizer()
    with pytest.raises(ValueError, match=message):
        tokenizer.fit(bad)
    assert not hasattr(tokenizer, "vocabulary_")


def test_parameters_are_checked_and_inputs_untouched():
    with pytest.raises(InvalidParameterError, match="level"):
        TextTokenizer(level="sentence").fit(TEXTS)
    with pytest.raises(InvalidParameterError, match="max_len"):
        TextTokenizer(max_len=0).fit(TEXTS)
    with pytest.raises(NotFittedError):
        TextTokenizer().transform(TEXTS)
    texts = list(TEXTS)
    TextTokenizer().fit(texts).transform(texts)
    assert texts == TEXTS


def test_refits_clones_and_pickles_agree():
    tokenizer = TextTokenizer(max_features=4).fit(TEXTS)
    again = clone(tokenizer).fit(TEXTS)
    assert again.vocabulary_ == tokenizer.vocabulary_
    np.testing.assert_array_equal(
        TextTokenizer(max_features=4).fit_transform(TEXTS), tokenizer.transform(TEXTS)
    )
    loaded = pickle.loads(pickle.dumps(tokenizer))
    np.testing.assert_array_equal(loaded.transform(TEXTS), tokenizer.transform(TEXTS))


def test_pandas_output():
    frame = TextTokenizer().set_output(transform="pandas").fit_transform(pd.Series(TEXTS))
    assert list(frame.columns) == [f"texttokenizer{i}" for i in range(5)]


def test_inverse_transform_refuses_what_is_not_ids():
    tokenizer = TextTokenizer().fit(TEXTS)
    with pytest.raises(ValueError, match="2-D array of integer token ids"):
        tokenizer.inverse_transform([[0.5, 1.0]])


# scikit-learn's own checks (parametrize_with_checks) feed 2-D numeric
# arrays; for an estimator that declares string input, as CountVectorizer
# does, they run none, so they are not listed here.  The tests above cover
# what they would check: clone, refit, pickling, parameter validation,
# unfitted use, untouched input, feature names and pandas output.
def test_declares_text_input_tags():
    tags = TextTokenizer().__sklearn_tags__()
    assert tags.input_tags.string and tags.input_tags.one_d_array
    assert not tags.input_tags.two_d_array


# scikit-learn runs only check_estimator_cloneable on estimators of text
# (as on its own CountVectorizer, tests/test_common.py); these are the
# other API checks that apply, written for strings.
def test_sklearn_api_checks_on_text():
    tokenizer = TextTokenizer()
    assert tokenizer.fit(TEXTS) is tokenizer
    first = tokenizer.transform(TEXTS)
    np.testing.assert_array_equal(tokenizer.fit(TEXTS).transform(TEXTS), first)  # idempotent
    np.testing.assert_array_equal(TextTokenizer().fit_transform(TEXTS), first)
    assert not [name for name in vars(TextTokenizer()) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        TextTokenizer().transform(TEXTS)
    assert clone(tokenizer).get_params() == tokenizer.get_params()
    assert tokenizer.set_params(max_len=3) is tokenizer and tokenizer.max_len == 3


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("", "matches the empty string"),
        (r"\w*", "matches the empty string"),
        ("(", "is not a regular expression"),
        (r"(a)(b)", "2 capturing groups"),
    ],
)
def test_a_token_pattern_that_cannot_find_tokens_is_refused(pattern, message):
    texts = ["the cat", "a dog"]
    with pytest.raises(ValueError, match=message):
        TextTokenizer(token_pattern=pattern).fit(texts)
    # a character tokenizer has no pattern to check
    assert TextTokenizer(level="char", token_pattern=pattern).fit(texts).vocabulary_


# ----------------------------------------- the tokenizer tells the network its vocabulary
def _reviews():
    good = ["a good film", "great acting and a good plot", "wonderful, good fun", "loved it"]
    bad = ["a bad film", "terrible acting and a bad plot", "awful, boring", "hated it"]
    return (good + bad) * 6, np.array(([1] * 4 + [0] * 4) * 6)


@pytest.mark.parametrize("estimator_class", [LSTMClassifier, TransformerClassifier])
def test_a_pipeline_needs_no_vocab_size_and_each_fold_embeds_its_own_vocabulary(
    estimator_class,
):
    from sklearn.model_selection import cross_validate

    texts, labels = _reviews()
    pipeline = make_pipeline(TextTokenizer(), estimator_class(max_iter=15, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("error", message=".*holds integers")
        folds = cross_validate(pipeline, texts, labels, cv=2, return_estimator=True)
    assert folds["test_score"].mean() > 0.9
    for fitted in folds["estimator"]:
        tokenizer, network = fitted[0], fitted[-1]
        assert network.vocab_size_ == tokenizer.vocab_size_
        assert network.module_.inputs.embedding.num_embeddings == tokenizer.vocab_size_


def test_token_ids_keep_their_vocabulary_size_through_rows_and_pickles():
    from sknets.text import TokenIds

    texts, _ = _reviews()
    ids = TextTokenizer().fit_transform(texts)
    assert isinstance(ids, TokenIds)
    assert ids[3:7].vocab_size == ids[np.array([0, 5])].vocab_size == ids.vocab_size
    restored = pickle.loads(pickle.dumps(ids))
    assert restored.vocab_size == ids.vocab_size
    np.testing.assert_array_equal(restored, ids)
    assert type(np.asarray(ids)) is np.ndarray


def test_plain_integers_are_read_as_series_with_a_warning_and_vocab_size_wins():
    texts, labels = _reviews()
    ids = TextTokenizer().fit_transform(texts)
    with pytest.warns(UserWarning, match="holds integers and vocab_size=None"):
        as_series = LSTMClassifier(max_iter=1).fit(np.asarray(ids), labels)
    assert as_series.vocab_size_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        LSTMClassifier(max_iter=1).fit(np.asarray(ids, dtype=float), labels)
        explicit = LSTMClassifier(vocab_size=50, max_iter=1).fit(ids, labels)
    assert explicit.vocab_size_ == 50
