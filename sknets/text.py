"""Text to padded token ids, for the sequence estimators."""

import re
from collections import Counter
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._config import API_PAGE_TEMPLATE
from ._vocabulary import PeerSpellingsMixin

__all__ = ["TextTokenizer", "TokenIds", "check_texts"]

PAD_ID = 0
UNKNOWN_ID = 1


class TokenIds(np.ndarray):
    """Token ids that know their vocabulary's size: what :class:`TextTokenizer` returns.

    An int64 array (0 padding, 1 unknown, 2 and up the vocabulary) with
    one more attribute, ``vocab_size``.  A sequence estimator left at
    ``vocab_size=None`` reads an array of this type as token ids of that
    many ids, so ``make_pipeline(TextTokenizer(), LSTMClassifier())``
    needs no ``vocab_size``, and each fold of a cross-validation embeds
    the vocabulary its own tokenizer learned.  Row selections (the folds)
    keep the attribute; ``np.asarray`` gives the plain array.

    Parameters
    ----------
    ids : array-like of int
        The token ids.
    vocab_size : int
        The number of ids: every id lies in ``[0, vocab_size)``.

    Examples
    --------
    >>> from sknets.text import TokenIds
    >>> ids = TokenIds([[2, 3, 0], [4, 0, 0]], vocab_size=5)
    >>> ids[1:].vocab_size
    5
    """

    def __new__(cls, ids, vocab_size):
        array = np.asarray(ids, dtype=np.int64).view(cls)
        array.vocab_size = int(vocab_size)
        return array

    def __array_finalize__(self, source):
        self.vocab_size = getattr(source, "vocab_size", None)

    def __reduce__(self):
        # A pickle (joblib's workers) keeps the vocabulary size.
        return TokenIds, (np.asarray(self), self.vocab_size)


class TextTokenizer(
    PeerSpellingsMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Turn strings into padded token ids for the sequence estimators.

    Learns a vocabulary from the training texts (the most frequent tokens,
    as :class:`sklearn.feature_extraction.text.CountVectorizer` does) and
    transforms each text into a row of ``max_len_`` int64 ids: id 0 is
    padding (trailing), id 1 an unknown token (one not in the vocabulary),
    and the vocabulary's tokens have ids from 2 up, the most frequent
    first.  Texts longer than ``max_len_`` tokens keep their first
    ``max_len_``.  The output is a :class:`TokenIds` array, which carries
    ``vocab_size_``: a sequence estimator left at ``vocab_size=None``
    reads it as token ids of that vocabulary, so the two chain in a
    :class:`~sklearn.pipeline.Pipeline` with nothing else to set.

    Parameters
    ----------
    level : {"word", "char"}, default="word"
        Tokens are the matches of ``token_pattern`` (words and punctuation
        marks) or single characters (spaces included).
    max_features : int or None, default=None
        Keep the ``max_features`` most frequent tokens (ties broken
        alphabetically); None keeps every token that passes ``min_df``.
        The ids then run up to ``max_features + 1``.
    min_df : int or float, default=1
        Ignore tokens found in fewer documents than this (an int: a count;
        a float in [0.0, 1.0]: a share of the documents), as CountVectorizer.
    lowercase : bool, default=True
        Lowercase the texts before tokenizing.
    max_len : int or None, default=None
        Length of the output rows; None is the length of the longest
        training text, in tokens.
    token_pattern : str, default=r"(?u)\\w+|[^\\w\\s]"
        Regular expression of a word-level token.  The default keeps
        one-letter words and each punctuation mark ("!" carries sentiment),
        unlike CountVectorizer's default.

    Attributes
    ----------
    vocabulary_ : dict
        Token -> id (ids from 2; 0 is padding, 1 unknown).
    vocab_size_ : int
        ``len(vocabulary_) + 2``: the ``vocab_size`` a sequence estimator
        needs for these ids.
    max_len_ : int
        Length of the output rows.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Bags of words rather
        than sequences.

    Examples
    --------
    >>> from sknets.text import TextTokenizer
    >>> texts = ["A good film!", "a bad, bad film", "good"]
    >>> tokenizer = TextTokenizer().fit(texts)
    >>> ids = tokenizer.transform(["a good film", "an unseen word"])
    >>> ids
    TokenIds([[2, 5, 4, 0, 0],
              [1, 1, 1, 0, 0]])
    >>> tokenizer.vocab_size_, ids.vocab_size
    (8, 8)
    >>> tokenizer.inverse_transform([[2, 5, 4, 0, 0]])
    array(['a good film'], dtype=object)
    """

    _doc_link_module = "sknets"
    _doc_link_template = API_PAGE_TEMPLATE

    _parameter_constraints = {
        "level": [StrOptions({"word", "char"})],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "min_df": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="both"),
        ],
        "lowercase": ["boolean"],
        "max_len": [Interval(Integral, 1, None, closed="left"), None],
        "token_pattern": [str],
    }

    def __init__(
        self,
        *,
        level="word",
        max_features=None,
        min_df=1,
        lowercase=True,
        max_len=None,
        token_pattern=r"(?u)\w+|[^\w\s]",
    ):
        self.level = level
        self.max_features = max_features
        self.min_df = min_df
        self.lowercase = lowercase
        self.max_len = max_len
        self.token_pattern = token_pattern

    # ------------------------------------------------------------ public
    def fit(self, X, y=None):
        """Learn the vocabulary (and the row length) from the texts X.

        Parameters
        ----------
        X : iterable of str, of shape (n_samples,) or (n_samples, 1)
            Texts: a list, a 1-D array, a pandas Series or a one-column
            DataFrame or array.
        y : None
            Ignored.

        Returns
        -------
        self : TextTokenizer
            The fitted tokenizer.
        """
        self._validate_params()
        if self.level == "word":
            self._check_token_pattern()
        documents = [self._tokens(text) for text in self._texts(X)]
        document_frequency = Counter(token for tokens in documents for token in set(tokens))
        count = Counter(token for tokens in documents for token in tokens)
        min_df = self.min_df
        if isinstance(min_df, Real) and not isinstance(min_df, Integral):
            min_df = min_df * len(documents)
        kept = sorted(
            (token for token, df in document_frequency.items() if df >= min_df),
            key=lambda token: (-count[token], token),
        )
        if not kept:
            raise ValueError(
                f"No token is left with min_df={self.min_df!r} over {len(documents)} "
                "documents; lower min_df."
            )
        kept = kept[: self.max_features]
        self.vocabulary_ = {token: index + 2 for index, token in enumerate(kept)}
        self.vocab_size_ = len(self.vocabulary_) + 2
        self.max_len_ = self.max_len or max(1, max(len(tokens) for tokens in documents))
        self._n_features_out = self.max_len_
        return self

    def transform(self, X):
        """The texts as rows of token ids, padded with 0 at the end.

        Parameters
        ----------
        X : iterable of str, of shape (n_samples,) or (n_samples, 1)
            Texts.

        Returns
        -------
        ids : TokenIds of shape (n_samples, `max_len_`), dtype int64
            Token ids: 0 padding, 1 unknown, 2 and up the vocabulary; the
            array's ``vocab_size`` is ``vocab_size_``.
        """
        check_is_fitted(self)
        texts = self._texts(X)
        ids = np.zeros((len(texts), self.max_len_), dtype=np.int64)
        lookup = self.vocabulary_.get
        for row, text in enumerate(texts):
            tokens = self._tokens(text)[: self.max_len_]
            ids[row, : len(tokens)] = [lookup(token, UNKNOWN_ID) for token in tokens]
        return TokenIds(ids, self.vocab_size_)

    def inverse_transform(self, X):
        """Texts back from token ids (unknown tokens as ``"<unk>"``, padding dropped).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_tokens)
            Token ids.

        Returns
        -------
        texts : ndarray of shape (n_samples,), dtype object
            Tokens joined by a space (word level) or nothing (char level).
        """
        check_is_fitted(self)
        ids = np.asarray(X)
        if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(
                f"{type(self).__name__}.inverse_transform takes a 2-D array of integer "
                f"token ids, got an array of shape {ids.shape} and dtype {ids.dtype}."
            )
        tokens = {index: token for token, index in self.vocabulary_.items()}
        tokens[UNKNOWN_ID] = "<unk>"
        separator = " " if self.level == "word" else ""
        texts = np.empty(ids.shape[0], dtype=object)
        for row, values in enumerate(ids):
            texts[row] = separator.join(tokens.get(int(v), "<unk>") for v in values if v != PAD_ID)
        return texts

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = []
        return tags

    # ----------------------------------------------------------- helpers
    def _check_token_pattern(self):
        try:
            pattern = re.compile(self.token_pattern)
        except re.error as error:
            raise ValueError(
                f"token_pattern={self.token_pattern!r} is not a regular expression: {error}."
            ) from None
        if pattern.fullmatch(""):
            # re.findall would return one empty token per position: every
            # text the same id repeated, and nothing learnt from it.
            raise ValueError(
                f"token_pattern={self.token_pattern!r} matches the empty string, so every "
                "text would become a run of empty tokens; give a pattern that matches one "
                r"token, such as the default r'(?u)\w+|[^\w\s]'."
            )
        if pattern.groups > 1:
            raise ValueError(
                f"token_pattern={self.token_pattern!r} has {pattern.groups} capturing groups; "
                "use at most one (the token), as scikit-learn's CountVectorizer."
            )

    def _texts(self, X):
        return check_texts(X, type(self).__name__)

    def _tokens(self, text):
        if self.lowercase:
            text = text.lower()
        if self.level == "char":
            return list(text)
        return re.findall(self.token_pattern, text)


def check_texts(X, name):
    """X as a list of strings, refusing what is not a collection of texts.

    ``name`` (the estimator's) begins the error messages.  A list, a 1-D
    array, a pandas Series or a one-column DataFrame or array of strings is
    accepted; a single string, other shapes, no texts and missing or
    non-string values are refused.
    """
    if isinstance(X, str | bytes):
        raise ValueError(
            f"{name} expects a collection of texts (a list, array or Series of "
            "strings), but got a single string; wrap it in a list."
        )
    values = getattr(X, "values", X)  # pandas
    try:
        array = np.asarray(values, dtype=object)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} expects a collection of texts: {error}") from error
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{name} expects texts of shape (n_samples,) or (n_samples, 1), got an "
            f"array of shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} got 0 texts; at least 1 is required.")
    for index, text in enumerate(array):
        if not isinstance(text, str):
            what = "a missing value" if text is None or text != text else type(text).__name__
            raise ValueError(
                f"{name} expects strings, but text {index} is {what} ({text!r}). "
                "Fill or drop missing texts first (e.g. X.fillna(''))."
            )
    return array.tolist()
