"""
Saliency maps of a digit classifier
===================================

Which pixels does a convolutional network look at when it reads a
handwritten digit?  A :class:`~sknets.CNNClassifier` learns the 8 x 8
digits of scikit-learn, and :class:`~sknets.inspection.SaliencyDisplay`
draws four attribution methods over the same test images: the plain
gradient (Simonyan et al. 2014), integrated gradients (Sundararajan et al.
2017), SmoothGrad (Smilkov et al. 2017) and Grad-CAM (Selvaraju et al.
2017).  The inputs are flat rows of 64 pixels; ``input_shape=(1, 8, 8)``
tells the network they are images.

Run it with ``python examples/plot_saliency_digits.py [--max-iter N]``.
"""

# %%
# Train the classifier
# --------------------
import argparse

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sknets import CNNClassifier
from sknets.inspection import SaliencyDisplay, saliency

parser = argparse.ArgumentParser(description="Run with --max-iter N for a quick run.")
parser.add_argument("--max-iter", type=int, default=30)
arguments, _ = parser.parse_known_args()

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
clf = CNNClassifier(
    input_shape=(1, 8, 8),
    filters=(16, 32),
    hidden_layer_sizes=(64,),
    max_iter=arguments.max_iter,
    random_state=0,
).fit(X_train, y_train)
print(f"CNNClassifier on digits: test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# One row of maps per method
# --------------------------
# Bright is where a change of the pixel would move the predicted class's
# score most.  Integrated gradients is signed (the display shows its
# magnitude); Grad-CAM is coarse, at the resolution of the last convolution.
methods = ["gradient", "integrated_gradients", "smoothgrad", "gradcam"]
images = X_test[:5]
figure, axes = plt.subplots(len(methods), len(images), figsize=(10, 8.5))
for method, row in zip(methods, axes, strict=True):
    SaliencyDisplay.from_estimator(clf, images, method=method, random_state=0, ax=row)
    row[0].text(-1.5, 3.5, method.replace("_", "\n"), ha="right", va="center", fontsize=9)
figure.tight_layout()

# %%
# Sanity check: a network with random weights
# -------------------------------------------
# A map that explains the model must change when the model's weights are
# re-initialised (Adebayo et al. 2018).  The rank correlation between the
# trained and the random network's maps says how much each method depends
# on what was learnt.
import copy  # noqa: E402

from scipy.stats import spearmanr  # noqa: E402

randomized = copy.deepcopy(clf)
for layer in randomized.module_.modules():
    if hasattr(layer, "reset_parameters"):
        layer.reset_parameters()
for method in methods:
    trained = np.abs(saliency(clf, images, method=method, random_state=0)).ravel()
    random = np.abs(saliency(randomized, images, method=method, random_state=0)).ravel()
    correlation = spearmanr(trained, random)[0]
    print(f"{method:>20}: rank correlation trained vs random weights {correlation:.2f}")

plt.show()
