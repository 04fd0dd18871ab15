"""Resolution of the ``device`` and ``dtype`` parameters shared by every estimator."""

import numpy as np
import torch

__all__ = ["available_devices", "resolve_device"]

# The floating-point types a network can train in, by every name ``dtype`` accepts.
DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    np.float32: torch.float32,
    np.float64: torch.float64,
    torch.float32: torch.float32,
    torch.float64: torch.float64,
}


def numpy_dtype(dtype):
    """The numpy scalar type of a floating torch dtype."""
    return np.float64 if dtype == torch.float64 else np.float32


def _mps_available():
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def available_devices():
    """List the devices this machine can train on.

    Returns
    -------
    devices : list of str
        Always ``"cpu"``; ``"cuda:0"``, ``"cuda:1"``... for each visible
        CUDA device; ``"mps"`` on Apple silicon.

    Examples
    --------
    >>> from sknets.utils import available_devices
    >>> "cpu" in available_devices()
    True
    """
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    if _mps_available():
        devices.append("mps")
    return devices


def _unavailable(device, reason):
    choices = ", ".join(repr(name) for name in ["auto", *available_devices()])
    return ValueError(f"device={device!r} {reason}. Available devices on this machine: {choices}.")


def resolve_device(device):
    """Turn a ``device`` parameter value into an available :class:`torch.device`.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` (CUDA if available, else MPS, else CPU), ``"cpu"``,
        ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a :class:`torch.device`.

    Returns
    -------
    device : torch.device
        The device to train on.

    Raises
    ------
    ValueError
        If the name is not a device, or the device is not available here;
        the message lists the devices that are.

    Examples
    --------
    >>> from sknets.utils import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, str) and device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if isinstance(device, torch.device):
        requested = device
    else:
        try:
            requested = torch.device(device)
        except (RuntimeError, TypeError, ValueError):
            raise _unavailable(device, "is not a device name") from None
    if requested.type == "cpu":
        return torch.device("cpu")
    if requested.type == "cuda":
        if not torch.cuda.is_available():
            raise _unavailable(device, "is not available: no CUDA device is visible")
        index = torch.cuda.current_device() if requested.index is None else requested.index
        if index >= torch.cuda.device_count():
            raise _unavailable(
                device, f"is not available: only {torch.cuda.device_count()} CUDA device(s)"
            )
        return torch.device("cuda", index)
    if requested.type == "mps":
        if not _mps_available():
            raise _unavailable(device, "is not available: MPS needs Apple silicon")
        return torch.device("mps")
    raise _unavailable(device, f"uses the unsupported device type {requested.type!r}")
