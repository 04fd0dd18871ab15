"""Global configuration: prediction memory, threads and data-parallel training.

Modelled on :mod:`sklearn._config`: one process-wide default, a
thread-local copy per thread (so a :func:`config_context` in one thread
does not change another's), :func:`set_config` to change it and
:func:`config_context` to change it for a block.
"""

import os
import threading
from contextlib import contextmanager
from numbers import Integral, Real

__all__ = ["config_context", "get_config", "set_config"]

_DEFAULT_WORKING_MEMORY = 256  # MiB

# Where the documentation is published; a notebook's HTML representation of
# an estimator links to its API page there (scikit-learn's _doc_link_template).
DOCS_URL = "https://sknets.readthedocs.io/en/latest/"
API_PAGE_TEMPLATE = DOCS_URL + "api/generated/sknets.{estimator_name}.html"


def _check_working_memory(value, source="working_memory"):
    if isinstance(value, bool) or not isinstance(value, Real) or not value > 0:
        raise ValueError(
            f"{source} must be a positive number of MiB (an int or a float), got {value!r}."
        )
    if value == float("inf"):
        raise ValueError(f"{source} must be a finite number of MiB, got {value!r}.")
    return value


def _check_n_threads(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(
            f"n_threads must be None (choose automatically) or a positive int, got {value!r}."
        )
    return int(value)


def _working_memory_from_environment():
    # Read once at import, as scikit-learn reads SKLEARN_WORKING_MEMORY:
    # joblib's worker processes inherit the environment, not set_config.
    text = os.environ.get("SKNETS_WORKING_MEMORY")
    if text is None or not text.strip():
        return _DEFAULT_WORKING_MEMORY
    try:
        value = float(text)
    except ValueError:
        value = text
    value = _check_working_memory(value, "The environment variable SKNETS_WORKING_MEMORY")
    return int(value) if float(value).is_integer() else value


def _distributed_from_environment():
    # Read once at import: joblib's and Dask's worker processes inherit the
    # environment (and a torchrun job's RANK and WORLD_SIZE), not set_config.
    text = os.environ.get("SKNETS_DISTRIBUTED", "").strip().lower()
    if text in ("", "1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise ValueError(
        f"The environment variable SKNETS_DISTRIBUTED must be 0, 1, true or false, got {text!r}."
    )


_global_config = {
    "working_memory": _working_memory_from_environment(),
    "n_threads": None,
    "distributed": _distributed_from_environment(),
}
_threadlocal = threading.local()


def _get_threadlocal_config():
    """This thread's configuration (mutable), a copy of the global one at first use."""
    if not hasattr(_threadlocal, "global_config"):
        _threadlocal.global_config = _global_config.copy()
    return _threadlocal.global_config


def get_config():
    """The current sknets configuration.

    Returns
    -------
    config : dict
        ``{"working_memory": ..., "n_threads": ..., "distributed": ...}``; the keys are the
        parameters of :func:`set_config`.  A copy: changing it changes
        nothing.

    See Also
    --------
    set_config : Change the configuration.
    config_context : Change the configuration within a ``with`` block.

    Examples
    --------
    >>> import sknets
    >>> sorted(sknets.get_config())
    ['distributed', 'n_threads', 'working_memory']
    """
    return _get_threadlocal_config().copy()


class _Unchanged:
    """The default of ``set_config(n_threads=...)``: None means automatic there."""

    def __repr__(self):
        return "<unchanged>"


_UNCHANGED = _Unchanged()


def set_config(working_memory=None, n_threads=_UNCHANGED, distributed=None):
    """Set the sknets configuration.

    The settings apply to every estimator of this thread (and to threads
    started afterwards, which copy the global configuration).  To change
    them for a block of code only, use :func:`config_context`.

    Parameters
    ----------
    working_memory : float, default=None
        MiB of temporary memory that prediction (``predict``,
        ``predict_proba``, ``transform``, ...) may use on the device beyond
        its input and its output: the rows are predicted in batches sized so
        that the network's intermediate activations fit in this budget,
        whatever the network's width and the number of rows.  None leaves
        the setting unchanged.  Global default: 256, or the value of the
        environment variable ``SKNETS_WORKING_MEMORY`` when it is set (so
        that joblib's worker processes inherit it).  The same concept and
        name as scikit-learn's ``working_memory``, with a default of sknets'
        own, because network activations are large.
    n_threads : int or None, default=<unchanged>
        The number of intra-op threads (:func:`torch.set_num_threads`) that
        ``fit`` and prediction use on a CPU.  None chooses automatically:
        one thread where a batch is too small to gain from more (threads
        that wait for each other over small matrices cost far more than
        they save on a busy machine), otherwise the caller's
        ``torch.get_num_threads()``.  A positive int uses exactly that many
        threads.  Either way the caller's setting is restored afterwards;
        GPUs are not affected.  Omitted: left unchanged.  Global default:
        None.
    distributed : bool, default=None
        Whether ``fit`` and ``partial_fit`` train data-parallel over the
        processes of a job when a launcher (``torchrun``) has set the
        torch.distributed environment: each process trains on its share of
        every batch and the gradients are summed over the processes (see
        the "Scaling out" guide).  False trains every process on its own,
        as without a launcher (e.g. a search whose fits are spread over the
        ranks).  None leaves the setting unchanged.  Global default: True,
        or the value of the environment variable ``SKNETS_DISTRIBUTED``
        (``0`` or ``false`` for False) when it is set, which the worker
        processes of a search (joblib, Dask) inherit.

    See Also
    --------
    get_config : The current configuration.
    config_context : Change the configuration within a ``with`` block.

    Examples
    --------
    >>> import sknets
    >>> previous = sknets.get_config()
    >>> sknets.set_config(working_memory=64, n_threads=1)
    >>> sknets.get_config()["working_memory"], sknets.get_config()["n_threads"]
    (64, 1)
    >>> sknets.set_config(**previous)
    """
    config = _get_threadlocal_config()
    # Check everything before changing anything, so a refused call changes nothing.
    if working_memory is not None:
        working_memory = _check_working_memory(working_memory)
    if n_threads is not _UNCHANGED:
        n_threads = _check_n_threads(n_threads)
    if distributed is not None and not isinstance(distributed, bool):
        raise ValueError(f"distributed must be True or False, got {distributed!r}.")
    if working_memory is not None:
        config["working_memory"] = working_memory
    if n_threads is not _UNCHANGED:
        config["n_threads"] = n_threads
    if distributed is not None:
        config["distributed"] = distributed


@contextmanager
def config_context(**changes):
    """Change the sknets configuration within a ``with`` block.

    Parameters
    ----------
    **changes
        Settings to change, as keyword arguments of :func:`set_config`
        (``working_memory``, ``n_threads``, ``distributed``).  The previous configuration is
        restored when the block exits, also on an error.

    Yields
    ------
    None

    See Also
    --------
    set_config : Change the configuration for good.
    get_config : The current configuration.

    Examples
    --------
    >>> import numpy as np
    >>> import sknets
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = sknets.MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    >>> with sknets.config_context(working_memory=1, n_threads=1):
    ...     labels = clf.predict(X)
    >>> sknets.get_config()["n_threads"] is None
    True
    """
    unknown = sorted(set(changes) - set(_global_config))
    if unknown:
        raise TypeError(
            f"config_context got unknown settings {unknown}; the settings are "
            f"{sorted(_global_config)}."
        )
    old_config = get_config()
    set_config(**changes)
    try:
        yield
    finally:
        set_config(**old_config)
