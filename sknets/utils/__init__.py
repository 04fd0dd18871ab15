"""Utilities: device resolution, seeding, estimator discovery and the types to trust."""

from ._device import available_devices, resolve_device
from ._random import local_generator, seed_from_random_state, torch_random_scope
from ._trust import trusted_types
from .discovery import all_estimators

__all__ = [
    "all_estimators",
    "available_devices",
    "local_generator",
    "resolve_device",
    "seed_from_random_state",
    "torch_random_scope",
    "trusted_types",
]
