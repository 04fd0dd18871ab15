"""The types sknets writes into a skops file, for ``skops.io.load(trusted=...)``."""

import inspect


def _qualified_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def trusted_types():
    """The names of every sknets type a saved sknets estimator may contain.

    :func:`skops.io.load` refuses a file that holds types it does not
    trust by default, and scikit-learn's and numpy's are the only ones it
    does.  A fitted sknets estimator saves its weights as numpy arrays,
    its history as lists and numbers, so a file of one names nothing
    beyond these: the estimators themselves, the networks (a
    :class:`~sknets.ModuleClassifier` saves its ``module`` class), the
    :class:`~sknets.TextTokenizer`, the sizes a fit recorded
    (``DataSpec``), a graph estimator's training graph (``Graph``), a
    table's fitted encoding (``TableEncoding``) and a DataFrame parameter
    (``SavedFrame``).
    Loading one of them only sets attributes: no constructor runs and no
    pickle is read.

    Returns
    -------
    names : list of str
        Qualified names, as :func:`skops.io.get_untrusted_types` reports
        them (``"sknets._mlp.MLPClassifier"``), sorted.

    See Also
    --------
    skops.io.get_untrusted_types : The types of a file skops does not trust.

    Examples
    --------
    >>> from sknets.utils import trusted_types
    >>> "sknets._mlp.MLPClassifier" in trusted_types()
    True

    Save and load with skops, trusting sknets' types and nothing else
    (any other type in the file makes ``load`` refuse it)::

        import skops.io
        skops.io.dump(estimator, "model.skops")
        estimator = skops.io.load("model.skops", trusted=trusted_types())
    """
    from .. import networks, text
    from .._inputs import DataSpec, Graph, TableEncoding
    from .._persistence import SavedFrame
    from .discovery import all_estimators

    classes = [cls for _, cls in all_estimators()]
    classes += [
        obj
        for _, obj in inspect.getmembers(networks, inspect.isclass)
        if obj.__module__.startswith("sknets.")
    ]
    classes += [text.TextTokenizer, DataSpec, Graph, TableEncoding, SavedFrame]
    return sorted({_qualified_name(cls) for cls in classes})
