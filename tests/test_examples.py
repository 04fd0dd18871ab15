"""Every script in examples/ runs from the command line and prints its results.

The long examples run with ``--max-iter 2`` (their own flag for a quick
run), so this checks that they work, not the accuracies they reach.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# script -> (arguments, a line each of its outputs must contain)
_RUNS = {
    "plot_saliency_digits.py": (
        ["--max-iter", "2"],
        ["CNNClassifier on digits: test accuracy", "gradcam: rank correlation trained vs random"],
    ),
    "plot_training_curves.py": (
        ["--max-iter", "3"],
        ["MLPClassifier: 3 epochs", "best epoch (weights kept):", "grid search best:"],
    ),
    "plot_saliency_gunpoint.py": (
        ["--max-iter", "2"],
        ["FCNClassifier on GunPoint: test accuracy", "explained series of classes"],
    ),
    "zero_shot_digits.py": (
        ["--max-iter", "5"],
        [
            "trained on digits [0, 1, 2, 3, 4, 5, 6], 884 images",
            "classes_: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]",
            "unseen digits 7-9, choosing among 7-9: accuracy",
            "all ten digits, seen_class_penalty=5.0: seen",
        ],
    ),
    "quickstart.py": ([], ["cross-validated accuracy:", "held-out accuracy:"]),
    "fine_tune_digits.py": (
        ["--max-iter", "2"],
        [
            "trained on digits 0-4 (901 images)",
            "from the digits 0-4 checkpoint: 50 training images, accuracy on 846 others",
            "from scratch: 50 training images",
            "ModuleClassifier(",
        ],
    ),
    "fairness_planted_bias.py": (
        ["--max-iter", "5"],
        [
            "by group, no mitigation:",
            "no mitigation: accuracy",
            "ExponentiatedGradient: accuracy",
            "fairness_penalty=1.0: accuracy",
        ],
    ),
    "cluster_search.py": (
        ["--max-iter", "3"],
        ["Dask cluster: 2 workers", "same best parameters and scores: True"],
    ),
    "larger_than_memory.py": (
        ["--rows", "400000", "--max-iter", "1"],
        [
            "training file: 400,000 rows x 50 features, 78 MiB",
            "epoch 1:",
            "test accuracy (Dask map_blocks, 4 blocks):",
            "peak memory of this process:",
        ],
    ),
    "ddp_training.py": (
        ["--max-iter", "2"],
        ["processes: 1, device:", "epochs: 2, final training loss:", "saved by rank 0:"],
    ),
    "fusion_digits_tokens.py": (
        ["--max-iter", "2"],
        [
            "digits with tokens: 68 columns",
            "late fusion (mean of both probabilities): test accuracy",
            "FusionClassifier(combine='attention'): test accuracy",
        ],
    ),
    "anomaly_detection_autoencoder.py": (
        ["--max-iter", "2"],
        ["digits 0-4: 630 training images", "digits 5-9: AutoencoderTransformer: ROC AUC"],
    ),
    "multitask_digits.py": (
        ["--max-iter", "2"],
        [
            "digits: 1257 training images, 540 test; tasks digit, parity, above 4",
            "one multi-task MLPClassifier: digit",
            "MultiOutputClassifier(3 x MLPClassifier): digit",
            "first test image: predicted",
        ],
    ),
    "image_classification_digits.py": (
        ["--max-iter", "2"],
        ["CNNClassifier:", "MLPClassifier:", "LogisticRegression:"],
    ),
    "custom_estimator.py": (
        ["--max-iter", "2"],
        ["ModuleClassifier(ResidualMLP): test accuracy", "codes of shape (450, 16)"],
    ),
    "forecasting_seq2seq.py": (
        ["--max-iter", "2"],
        ["Seq2SeqRegressor: forecast (341, 12)", "seasonal naive", "noise floor"],
    ),
    "series_classification_gunpoint.py": (
        ["--max-iter", "2"],
        ["GunPoint: train (50, 1, 150)", "FCNClassifier: test accuracy", "after 2 epochs"],
    ),
    "text_classification.py": (
        ["--max-iter", "1"],
        ["rotten_tomatoes: 3892 training", "LSTMClassifier: test accuracy", "predictions:"],
    ),
    "semi_supervised_graph.py": (
        ["--max-iter", "20"],
        [
            "karate club: 34 members, 78 friendships, 2 labels",
            "GNNClassifier (GCN) accuracy on the other 32",
            "LabelSpreading (knn) accuracy on the unlabelled images",
            "GNNClassifier on 5 new rows",
        ],
    ),
    "generate_digits.py": (
        ["--max-iter", "2"],
        [
            "MLPClassifier on real held-out digits",
            "GANGenerator (conditional, 2 epochs)",
            "per digit:",
            "DiffusionGenerator (2 epochs",
        ],
    ),
    "text_generation.py": (
        ["--max-iter", "1"],
        ["hamlet.txt: 157658 training", "GPTGenerator: held-out loss", "generated:"],
    ),
    "movie_recommendation.py": (
        ["--max-iter", "2"],
        [
            "training ratings",
            "CollaborativeFilteringRegressor: held-out RMSE",
            "top-5 for new user",
        ],
    ),
    "series_classification_lstm.py": (
        ["--max-iter", "2"],
        ["ItalyPowerDemand: train (67, 1, 24)", "TransformerClassifier: test accuracy"],
    ),
}


def test_every_example_is_run_here():
    assert {path.name for path in EXAMPLES.glob("*.py")} == set(_RUNS)


@pytest.mark.parametrize("script", sorted(_RUNS))
def test_example_runs(script):
    arguments, expected = _RUNS[script]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for text in expected:
        assert text in result.stdout, result.stdout
