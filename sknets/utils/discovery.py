"""Discovery of the public estimators, as :func:`sklearn.utils.all_estimators`."""

import inspect

__all__ = ["all_estimators"]

_KINDS = {
    "classifier": "ClassifierMixin",
    "regressor": "RegressorMixin",
    "transformer": "TransformerMixin",
}


def all_estimators(type_filter=None):
    """List the public estimators of sknets.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "generator"}, \
list of them, or None, default=None
        Keep only estimators of these kinds; None keeps all.

    Returns
    -------
    estimators : list of (name, class) tuples
        Sorted by name.

    Examples
    --------
    >>> from sknets.utils import all_estimators
    >>> "MLPRegressor" in [name for name, _ in all_estimators("regressor")]
    True
    """
    import sknets
    from sknets.base import NeuralEstimator

    found = []
    for name in sknets.__all__:
        obj = getattr(sknets, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, NeuralEstimator)
            and not inspect.isabstract(obj)
            and not name.startswith("_")
        ):
            found.append((name, obj))
    if type_filter is None:
        return sorted(found)
    kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
    unknown = set(kinds) - {*_KINDS, "generator"}
    if unknown:
        raise ValueError(
            f"type_filter must be among {sorted({*_KINDS, 'generator'})}, got {sorted(unknown)}."
        )

    return sorted((name, cls) for name, cls in found if estimator_kind(cls) in kinds)


def estimator_kind(cls):
    """The kind of an sknets estimator class: "classifier", "regressor", "transformer" or
    "generator".

    A generator that also transforms (a VAE) is a generator.

    Examples
    --------
    >>> from sknets import MLPRegressor
    >>> from sknets.utils.discovery import estimator_kind
    >>> estimator_kind(MLPRegressor)
    'regressor'
    """
    from sknets.base import NeuralGenerator

    if issubclass(cls, NeuralGenerator):
        return "generator"
    for kind, mixin in _KINDS.items():
        if any(base.__name__ == mixin for base in cls.__mro__):
            return kind
    return "generator"
