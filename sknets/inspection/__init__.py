"""Looking inside fitted networks: saliency maps and training-curve displays.

:func:`saliency` computes attribution maps with Captum (``pip install
"sknets[inspection]"``); :class:`SaliencyDisplay` draws them over images,
series or features and :class:`TrainingCurveDisplay` draws the loss and
validation curves of a fit, both with matplotlib.  None of these packages is
imported before it is needed: ``import sknets.inspection`` imports neither.
"""

from ._displays import SaliencyDisplay, TrainingCurveDisplay
from ._saliency import SALIENCY_METHODS, saliency

__all__ = ["SALIENCY_METHODS", "SaliencyDisplay", "TrainingCurveDisplay", "saliency"]
