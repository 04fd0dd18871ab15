"""Seeding that leaves the caller's global random state untouched."""

import contextlib

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["local_generator", "seed_from_random_state", "torch_random_scope"]

_MAX_SEED = np.iinfo(np.int32).max


def seed_from_random_state(random_state):
    """Draw one integer seed from a scikit-learn ``random_state`` value.

    ``None`` takes fresh entropy from the operating system instead of drawing
    from NumPy's global generator, so fitting never advances the caller's
    global NumPy state.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        The estimator's ``random_state`` parameter.

    Returns
    -------
    seed : int
        A seed in ``[0, 2**31 - 1)``.

    Examples
    --------
    >>> from sknets.utils import seed_from_random_state
    >>> seed_from_random_state(0) == seed_from_random_state(0)
    True
    """
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0] % _MAX_SEED)
    return int(check_random_state(random_state).randint(_MAX_SEED))


def local_generator(random_state, device):
    """A torch.Generator of its own on ``device``, seeded from ``random_state``.

    Draws made with it (``torch.randn(..., generator=g)``) depend on the
    seed alone: another thread drawing from torch's global generator at
    the same time cannot move them, and they never move the global one.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        A scikit-learn ``random_state`` value (None: fresh entropy).
    device : torch.device
        Where the draws are made.

    Returns
    -------
    generator : torch.Generator

    Examples
    --------
    >>> import torch
    >>> from sknets.utils import local_generator
    >>> first = torch.rand(2, generator=local_generator(0, torch.device("cpu")))
    >>> second = torch.rand(2, generator=local_generator(0, torch.device("cpu")))
    >>> bool(torch.equal(first, second))
    True
    """
    return torch.Generator(device=device).manual_seed(seed_from_random_state(random_state))


@contextlib.contextmanager
def torch_random_scope(seed, device):
    """Seed torch inside the block and restore the caller's RNG state after it.

    Parameters
    ----------
    seed : int
        Seed for the CPU generator and the generators of ``device``'s type.
    device : torch.device
        The device that the block computes on; its generators are forked too.

    Examples
    --------
    >>> import torch
    >>> from sknets.utils import torch_random_scope
    >>> before = torch.random.get_rng_state()
    >>> with torch_random_scope(0, torch.device("cpu")):
    ...     _ = torch.rand(3)
    >>> bool((torch.random.get_rng_state() == before).all())
    True
    """
    if device.type == "cuda":
        forked, device_type = list(range(torch.cuda.device_count())), "cuda"
    elif device.type == "mps":
        forked, device_type = [0], "mps"
    else:
        forked, device_type = [], "cuda"
    with torch.random.fork_rng(devices=forked, device_type=device_type):
        # Seed only the generators of the device in use: torch.manual_seed
        # would also reseed (and initialise) every CUDA device.
        torch.random.default_generator.manual_seed(seed)
        if device.type == "cuda":
            torch.cuda.manual_seed_all(seed)
        elif device.type == "mps":
            torch.mps.manual_seed(seed)
        yield
