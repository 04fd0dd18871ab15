"""GPTGenerator and GPTNetwork: learning, sampling, scoring, inputs and errors."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks
from sklearn.utils._param_validation import InvalidParameterError

from sknets import GPTGenerator, TextTokenizer
from sknets._gpt import TokenWindows, _window_layout
from sknets.networks import GPTNetwork

# A small corpus with strong character statistics: a model that learns
# predicts most characters from the ones before.
TEXTS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 8
TINY = {
    "block_size": 16,
    "d_model": 32,
    "n_heads": 2,
    "n_layers": 1,
    "learning_rate_init": 0.01,
    "batch_size": 4,
    "max_iter": 30,
    "random_state": 0,
    "device": "cpu",
}


@pytest.fixture(scope="module")
def fitted():
    return GPTGenerator(**TINY).fit(TEXTS)


# ------------------------------------------------------------------ network
def test_network_forward_backward_and_tied_weights(seeded):
    net = GPTNetwork(vocab_size=11, block_size=8, d_model=16, n_heads=4, n_layers=2, dropout=0.1)
    assert net.head.weight is net.token_embedding.weight
    ids = torch.randint(0, 11, (3, 8))
    logits = net(ids)
    assert logits.shape == (3, 8, 11) and torch.isfinite(logits).all()
    logits.logsumexp(-1).sum().backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().sum() > 0, name


def test_network_is_causal(seeded):
    net = GPTNetwork(vocab_size=7, block_size=6, d_model=8, n_heads=2, n_layers=2).eval()
    ids = torch.randint(0, 7, (1, 6))
    changed = ids.clone()
    changed[0, 4] = (ids[0, 4] + 1) % 7
    with torch.no_grad():
        before, after = net(ids), net(changed)
    torch.testing.assert_close(before[:, :4], after[:, :4])
    assert not torch.allclose(before[:, 4:], after[:, 4:])


def test_network_refuses_longer_context_and_generate_crops_it(seeded):
    net = GPTNetwork(vocab_size=5, block_size=4, d_model=8, n_heads=2, n_layers=1)
    with pytest.raises(ValueError, match="block_size is 4"):
        net(torch.zeros(1, 5, dtype=torch.long))
    out = net.generate(torch.zeros(2, 6, dtype=torch.long), max_new_tokens=3, top_k=2)
    assert out.shape == (2, 9)
    greedy = net.generate(torch.zeros(1, 1, dtype=torch.long), 5, temperature=0)
    assert torch.equal(greedy, net.generate(torch.zeros(1, 1, dtype=torch.long), 5, temperature=0))


def test_window_layout_covers_every_token_once():
    for n_tokens, block in [(3, 8), (9, 8), (10, 8), (17, 8), (100, 8), (1000, 64)]:
        n_windows, window, largest_shift = _window_layout(n_tokens, block)
        assert window == min(block + 1, n_tokens)
        last_end = (n_windows - 1) * block + largest_shift + window
        assert last_end <= n_tokens
        # Shifted or not, the windows together see all but less than two blocks' tokens.
        assert n_tokens - n_windows * block <= 2 * block
    windows = TokenWindows(np.arange(20), block_size=4, device="cpu")
    assert windows.take(slice(0, 2))[0].tolist() == [[0, 1, 2, 3, 4], [4, 5, 6, 7, 8]]
    windows.shift = 3
    assert windows.take(slice(3, 4))[0].tolist() == [[15, 16, 17, 18, 19]]


# ----------------------------------------------------------------- learning
def test_learns_far_better_than_a_uniform_and_a_unigram_model(fitted):
    assert fitted.loss_curve_[-1] < 0.6 * fitted.loss_curve_[0]
    stream = "".join("\0" + text for text in TEXTS) + "\0"
    counts = np.unique(list(stream), return_counts=True)[1]
    unigram = float(np.sum(counts / counts.sum() * np.log(counts / counts.sum())))
    assert fitted.score(TEXTS) > unigram + 1.0
    assert fitted.score(TEXTS) > -np.log(fitted.vocab_size_) + 1.5


def test_samples_resemble_the_training_texts(fitted):
    samples = fitted.sample(20, random_state=0)
    words = {word for text in TEXTS for word in text.split()}
    drawn = [word for text in samples for word in text.split()]
    assert np.mean([word in words for word in drawn]) > 0.6
    assert fitted.generate("the c", max_new_tokens=2, temperature=0) == "the cat"


def test_score_samples_is_per_text_and_score_per_token(fitted):
    texts = ["the cat sat on the mat", "zzzz"]  # z is unseen: the unknown id
    per_text = fitted.score_samples(texts)
    assert per_text.shape == (2,) and per_text[0] > per_text[1]
    lengths = np.array([len(text) + 1 for text in texts])  # the end token is predicted too
    assert fitted.score(texts) == pytest.approx(np.sum(per_text * lengths) / lengths.sum())


def test_long_texts_are_scored_in_windows_of_block_size():
    gpt = GPTGenerator(**{**TINY, "block_size": 4, "max_iter": 3}).fit(TEXTS)
    text = "the cat sat on the mat and the dog sat on the log"
    assert np.isfinite(gpt.score_samples([text])[0])
    # A text scores the same alone or next to others of other lengths.
    both = gpt.score_samples([text, "a cat"])
    assert both[0] == pytest.approx(gpt.score_samples([text])[0], rel=1e-5)


# --------------------------------------------------------- the public API
def test_sample_shape_dtype_and_reproducibility(fitted):
    first = fitted.sample(4, random_state=3)
    assert first.shape == (4,) and first.dtype == object
    assert all(isinstance(text, str) and len(text) <= fitted.max_len_ for text in first)
    assert first.tolist() == fitted.sample(4, random_state=3).tolist()
    assert fitted.generate("a", 20, random_state=1) == fitted.generate("a", 20, random_state=1)
    state = torch.random.get_rng_state()
    fitted.sample(2)
    assert torch.equal(state, torch.random.get_rng_state())


@pytest.mark.parametrize("n_samples", [0, -1, 1.5])
def test_sample_refuses_fewer_than_one(fitted, n_samples):
    with pytest.raises(InvalidParameterError, match="n_samples"):
        fitted.sample(n_samples)


def test_fit_is_reproducible_with_random_state():
    first = GPTGenerator(**{**TINY, "max_iter": 3}).fit(TEXTS)
    second = GPTGenerator(**{**TINY, "max_iter": 3}).fit(TEXTS)
    assert first.loss_curve_ == second.loss_curve_
    assert first.score(TEXTS[:3]) == second.score(TEXTS[:3])


def test_generate_returns_prompt_and_continuation_and_maps_unknown_characters(fitted):
    text = fitted.generate("the ", max_new_tokens=8, random_state=0)
    assert text.startswith("the ") and len(text) <= 12
    # "Q" was never seen: it is read as the unknown id, not refused.
    assert fitted.generate("Q", max_new_tokens=3, random_state=0).startswith("Q")
    assert fitted.generate("", max_new_tokens=0) == ""
    assert len(fitted.generate(max_new_tokens=5, top_k=3, random_state=0)) <= 5


def test_token_id_input_samples_rows_of_the_fitted_width():
    ids = TextTokenizer().fit_transform(TEXTS)
    vocab_size = int(ids.max()) + 1
    gpt = GPTGenerator(**{**TINY, "vocab_size": vocab_size}).fit(ids)
    assert gpt.n_features_in_ == ids.shape[1] and gpt.vocab_size_ == vocab_size
    samples = gpt.sample(5, random_state=0)
    assert samples.shape == (5, ids.shape[1]) and samples.dtype == np.int64
    assert samples.min() >= 0 and samples.max() < vocab_size
    continued = gpt.generate(ids[0, :2], max_new_tokens=3, random_state=0)
    assert continued.dtype == np.int64 and continued[:2].tolist() == ids[0, :2].tolist()
    assert gpt.score_samples(ids[:3]).shape == (3,)
    assert gpt.__sklearn_tags__().input_tags.two_d_array
    assert not GPTGenerator().__sklearn_tags__().input_tags.two_d_array


def test_pipeline_pickle_clone_and_warm_start(fitted):
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.score(TEXTS[:2]) == fitted.score(TEXTS[:2])
    assert restored.sample(2, random_state=0).tolist() == fitted.sample(2, random_state=0).tolist()
    assert clone(fitted).get_params() == fitted.get_params()
    ids = make_pipeline(TextTokenizer(), GPTGenerator(**{**TINY, "max_iter": 2, "vocab_size": 14}))
    assert ids.fit(TEXTS).score(TEXTS) < 0
    warm = GPTGenerator(**{**TINY, "max_iter": 2, "warm_start": True}).fit(TEXTS)
    vocabulary = dict(warm.vocabulary_)
    warm.fit(["the cat sat on the mat, ok"])  # new characters keep the first vocabulary
    assert warm.vocabulary_ == vocabulary and warm.n_iter_ == 4  # counted across fits


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, message",
    [
        (["", ""], "no characters"),
        ("a single text", "single string"),
        ([["a", "b"]], r"shape \(n_samples,\)"),
        (["ok", None], "missing value"),
        ([], "0 texts"),
    ],
)
def test_bad_texts_are_refused_before_training(X, message):
    gpt = GPTGenerator(**TINY)
    with pytest.raises(ValueError, match=message):
        gpt.fit(X)
    assert not hasattr(gpt, "net_") and not hasattr(gpt, "vocabulary_")


def test_bad_ids_parameters_and_calls_are_refused(fitted):
    with pytest.raises(ValueError, match="no tokens"):
        GPTGenerator(**{**TINY, "vocab_size": 5}).fit(np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match=r"allows ids in \[0, 4\]"):
        GPTGenerator(**{**TINY, "vocab_size": 5}).fit([[1, 2, 7]])
    with pytest.raises(ValueError, match="must divide d_model"):
        GPTGenerator(**{**TINY, "n_heads": 3}).fit(TEXTS)
    with pytest.raises(InvalidParameterError, match="block_size"):
        GPTGenerator(**{**TINY, "block_size": 0}).fit(TEXTS)
    with pytest.raises(ValueError, match="sample_weight"):
        GPTGenerator(**TINY).fit(TEXTS, sample_weight=np.ones(len(TEXTS)))
    with pytest.raises(ValueError, match="prompt must be a string"):
        fitted.generate([2, 3])
    with pytest.raises(InvalidParameterError, match="temperature"):
        fitted.generate("a", temperature=-1.0)
    with pytest.raises(Exception, match="not fitted"):
        GPTGenerator().generate("a")


def test_input_is_not_modified():
    texts = np.array(TEXTS[:6], dtype=object)
    before = texts.copy()
    GPTGenerator(**{**TINY, "max_iter": 1}).fit(texts)
    assert (texts == before).all()


# scikit-learn runs only its API checks on an estimator that takes strings
# (tests/test_common.py); these are the ones that need no 2-D float data.
@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
        estimator_checks.check_parameters_default_constructible,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_valid_tag_types,
    ],
    ids=lambda check: check.__name__,
)
def test_sklearn_api_checks_without_data(check):
    check("GPTGenerator", GPTGenerator(**TINY))
