"""
Which time steps decide? Saliency on GunPoint series
====================================================

GunPoint (UCR archive, in ``data/ucr/``) tells an actor drawing a gun from
one pointing a finger, from the x coordinate of the hand over 150 frames.
A fully convolutional network (:class:`~sknets.FCNClassifier`, Wang et al.
2017) learns it; :class:`~sknets.inspection.SaliencyDisplay` colours each
series by the Grad-CAM and integrated-gradients attributions of its
predicted class: the moments of drawing and of putting the gun back.

Run it with ``python examples/plot_saliency_gunpoint.py [--max-iter N]``.
"""

# %%
# Train the network
# -----------------
import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sknets import FCNClassifier
from sknets.inspection import SaliencyDisplay

parser = argparse.ArgumentParser(description="Run with --max-iter N for a quick run.")
parser.add_argument("--max-iter", type=int, default=150)
arguments, _ = parser.parse_known_args()

try:
    root = Path(__file__).resolve().parents[1]
except NameError:  # sphinx-gallery runs the script without __file__
    root = Path.cwd().parent
data = np.load(root / "data" / "ucr" / "GunPoint.npz")
X_train, y_train = data["X_train"], data["y_train"]
X_test, y_test = data["X_test"], data["y_test"]
clf = FCNClassifier(
    filters=(32, 64, 32), batch_size=10, max_iter=arguments.max_iter, random_state=0
).fit(X_train, y_train)
print(f"FCNClassifier on GunPoint: test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# Grad-CAM and integrated gradients
# ---------------------------------
# Grad-CAM weights the last convolution's feature maps by their gradient;
# integrated gradients attributes each time step along a path from a flat
# zero series.  Both mark where the class is decided.
picked = np.concatenate([np.flatnonzero(y_test == label)[:2] for label in np.unique(y_test)])
figure, axes = plt.subplots(2, len(picked), figsize=(12, 5), sharey=True)
for method, row in zip(["gradcam", "integrated_gradients"], axes, strict=True):
    SaliencyDisplay.from_estimator(clf, X_test[picked], method=method, ax=row)
    row[0].set_ylabel(method.replace("_", " "))
figure.tight_layout()
print(f"explained series of classes {y_test[picked].tolist()}")
plt.show()
