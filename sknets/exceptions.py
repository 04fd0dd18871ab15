"""Exceptions and warnings raised by sknets."""

__all__ = ["NonFiniteLossError"]


class NonFiniteLossError(ValueError, FloatingPointError):
    """The training loss became NaN or infinite, so training was stopped.

    A subclass of both :class:`ValueError` (scikit-learn's convention for a
    fit that cannot proceed) and :class:`FloatingPointError`.

    Examples
    --------
    >>> from sknets.exceptions import NonFiniteLossError
    >>> issubclass(NonFiniteLossError, ValueError)
    True
    """
