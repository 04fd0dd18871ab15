"""Utilities: device resolution, seeding and estimator discovery."""

from ._device import available_devices, resolve_device
from ._random import seed_from_random_state, torch_random_scope
from .discovery import all_estimators

__all__ = [
    "all_estimators",
    "available_devices",
    "resolve_device",
    "seed_from_random_state",
    "torch_random_scope",
]
