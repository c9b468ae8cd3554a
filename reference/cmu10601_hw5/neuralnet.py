"""CMU 10-601 HW5 (Spring 2021): a one-hidden-layer neural network trained by SGD
(reference solution).

Command line::

    python neuralnet.py train_input validation_input train_out validation_out metrics_out \\
        num_epoch hidden_units init_flag learning_rate

Network: input ``x`` (M 0/1 pixels) with a leading 1 folded in, hidden layer
``z = sigmoid(alpha @ [1, x])`` of ``hidden_units`` units, output
``yhat = softmax(beta @ [1, z])`` over K = 10 classes, cross-entropy loss
``J = -log yhat[y]``. ``alpha`` is ``hidden_units x (M + 1)`` and ``beta`` is
``K x (hidden_units + 1)``; column 0 of each holds the bias.

Training: plain SGD, one example at a time in file order (no shuffling), ``num_epoch``
passes; after each example ``alpha -= lr * dJ/dalpha`` and ``beta -= lr * dJ/dbeta``.
``init_flag`` 1 (RANDOM) draws the weights uniformly from [-0.1, 0.1] with the unseeded
``np.random`` (bias columns 0); 2 (ZERO) sets everything to 0.

Outputs: after every epoch the mean cross-entropy over the training and the validation
set go to the metrics file as ``epoch=E crossentropy(train): X`` and
``epoch=E crossentropy(validation): X``; after training, the predicted label of every
row (argmax of the softmax output, ties to the smallest label) goes to ``train_out`` and
``validation_out`` one per line, and ``error(train): X`` and ``error(validation): X``
(fraction misclassified) are appended to the metrics file. Floats are printed with
Python's ``repr``.

``error_rate`` and ``hidden_error_rate`` are the trusted metrics the grader evaluates
outside the sandbox on the label files a submission wrote.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NUM_CLASSES = 10
INIT_RANDOM = 1
INIT_ZERO = 2
USAGE = (
    "usage: python neuralnet.py train_input validation_input train_out validation_out "
    "metrics_out num_epoch hidden_units init_flag learning_rate"
)


@dataclass(frozen=True)
class Forward:
    """Intermediate quantities of one forward pass (kept for the backward pass)."""

    a: np.ndarray  # hidden pre-activations, D
    z: np.ndarray  # hidden activations with the leading 1, D + 1
    b: np.ndarray  # output pre-activations (logits), K
    yhat: np.ndarray  # softmax output, K
    loss: float  # cross-entropy -log yhat[label]


def load_data(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV of rows ``label,p1,...,pM``; return (``X1`` float64 ``n x (M + 1)`` with a
    leading column of ones, ``y`` int64 ``n``)."""
    data = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    y = data[:, 0].astype(np.int64)
    X1 = data.copy()
    X1[:, 0] = 1.0  # the label column becomes the bias input
    return X1, y


def init_weights(
    num_features: int, hidden_units: int, init_flag: int
) -> tuple[np.ndarray, np.ndarray]:
    """(``alpha`` ``D x (M + 1)``, ``beta`` ``K x (D + 1)``), bias columns 0.

    ``init_flag`` 1: non-bias weights uniform in [-0.1, 0.1] from the global ``np.random``
    (alpha drawn first); 2: all zeros.
    """
    alpha = np.zeros((hidden_units, num_features + 1), dtype=np.float64)
    beta = np.zeros((NUM_CLASSES, hidden_units + 1), dtype=np.float64)
    if init_flag == INIT_RANDOM:
        alpha[:, 1:] = np.random.uniform(-0.1, 0.1, size=(hidden_units, num_features))
        beta[:, 1:] = np.random.uniform(-0.1, 0.1, size=(NUM_CLASSES, hidden_units))
    elif init_flag != INIT_ZERO:
        raise ValueError(f"init_flag must be {INIT_RANDOM} or {INIT_ZERO}, got {init_flag}")
    return alpha, beta


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Elementwise logistic function ``1 / (1 + exp(-a))`` (exp overflow gives exactly 0)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


def softmax(b: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the maximum for stability."""
    e = np.exp(b - b.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def forward(x1: np.ndarray, label: int, alpha: np.ndarray, beta: np.ndarray) -> Forward:
    """Forward pass of one example ``x1`` (features with the leading 1) with true ``label``."""
    a = alpha @ x1
    z = np.concatenate(([1.0], sigmoid(a)))
    b = beta @ z
    yhat = softmax(b)
    return Forward(a=a, z=z, b=b, yhat=yhat, loss=float(-np.log(yhat[label])))


def backward(
    x1: np.ndarray, label: int, beta: np.ndarray, cache: Forward
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (dJ/dalpha, dJ/dbeta) of one example's cross-entropy, from its forward pass."""
    g_b = cache.yhat.copy()
    g_b[label] -= 1.0  # softmax + cross-entropy: yhat - onehot(label)
    g_beta = np.outer(g_b, cache.z)
    g_z = beta[:, 1:].T @ g_b  # the bias unit has no incoming weights
    sig = cache.z[1:]
    g_a = g_z * sig * (1.0 - sig)
    g_alpha = np.outer(g_a, x1)
    return g_alpha, g_beta


def gradients(
    x1: np.ndarray, label: int, alpha: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(dJ/dalpha, dJ/dbeta) for one example ``x1`` (with its leading 1) and its label."""
    return backward(x1, label, beta, forward(x1, label, alpha, beta))


def sgd_epoch(
    X1: np.ndarray, y: np.ndarray, alpha: np.ndarray, beta: np.ndarray, learning_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """One pass of SGD over the rows in file order; returns updated copies of (alpha, beta)."""
    alpha, beta = alpha.copy(), beta.copy()
    for x1, label in zip(X1, y.tolist(), strict=True):
        g_alpha, g_beta = gradients(x1, label, alpha, beta)
        alpha -= learning_rate * g_alpha
        beta -= learning_rate * g_beta
    return alpha, beta


def output_probabilities(X1: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Softmax outputs ``n x K`` for all rows of ``X1`` at once."""
    Z = sigmoid(X1 @ alpha.T)
    Z1 = np.concatenate((np.ones((len(Z), 1), dtype=Z.dtype), Z), axis=1)
    return softmax(Z1 @ beta.T)


def mean_cross_entropy(X1: np.ndarray, y: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> float:
    """Mean over the rows of ``-log yhat[label]`` with the given weights."""
    yhat = output_probabilities(X1, alpha, beta)
    return float(-np.mean(np.log(yhat[np.arange(len(y)), y])))


def predict(X1: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Predicted labels (argmax of the softmax output, ties to the smallest label), int64."""
    return np.argmax(output_probabilities(X1, alpha, beta), axis=1).astype(np.int64)


def train(
    X1_train: np.ndarray,
    y_train: np.ndarray,
    X1_val: np.ndarray,
    y_val: np.ndarray,
    num_epoch: int,
    hidden_units: int,
    init_flag: int,
    learning_rate: float,
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """Initialise and train; return (alpha, beta, per-epoch (train, validation) mean CE)."""
    alpha, beta = init_weights(X1_train.shape[1] - 1, hidden_units, init_flag)
    history = []
    for _ in range(num_epoch):
        alpha, beta = sgd_epoch(X1_train, y_train, alpha, beta, learning_rate)
        history.append(
            (
                mean_cross_entropy(X1_train, y_train, alpha, beta),
                mean_cross_entropy(X1_val, y_val, alpha, beta),
            )
        )
    return alpha, beta, history


def write_labels(path: str | Path, labels: np.ndarray) -> None:
    """One integer label per line, a newline after every line."""
    Path(path).write_text("".join(f"{int(label)}\n" for label in labels))


def write_metrics(
    path: str | Path, history: list[tuple[float, float]], train_error: float, val_error: float
) -> None:
    """The per-epoch cross-entropy lines, then the two error lines, floats as ``repr``."""
    lines = []
    for epoch, (train_ce, val_ce) in enumerate(history, start=1):
        lines.append(f"epoch={epoch} crossentropy(train): {train_ce}")
        lines.append(f"epoch={epoch} crossentropy(validation): {val_ce}")
    lines.append(f"error(train): {train_error}")
    lines.append(f"error(validation): {val_error}")
    Path(path).write_text("".join(line + "\n" for line in lines))


def error_rate(predicted: np.ndarray, csv_path: str | Path) -> float:
    """Trusted metric: fraction of rows of ``csv_path`` whose label (first column) differs
    from ``predicted`` (a 1-D integer array, one label per row, as the submission wrote)."""
    labels = np.loadtxt(csv_path, delimiter=",", usecols=0, dtype=np.int64, ndmin=1)
    return hidden_error_rate(predicted, labels)


def hidden_error_rate(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Trusted metric: fraction of positions where ``predicted`` differs from ``labels``."""
    predicted = np.asarray(predicted)
    labels = np.asarray(labels)
    if predicted.ndim != 1:
        raise ValueError(f"expected a 1-D array of labels, got shape {predicted.shape}")
    if len(predicted) != len(labels):
        raise ValueError(f"wrote {len(predicted)} labels for {len(labels)} rows")
    if len(labels) == 0:
        raise ValueError("no rows to score")
    return float(np.mean(predicted != labels))


def metrics_value(metrics: dict[str, float], key: str) -> float:
    """Trusted metric: the number on the line ``key`` of a parsed metrics file."""
    if key not in metrics:
        raise ValueError(f"the metrics file has no line {key!r}")
    return float(metrics[key])


def main(argv: list[str] | None = None) -> None:
    """Run the homework's command line (``argv`` without the program name)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 9:
        raise SystemExit(USAGE)
    train_input, val_input, train_out, val_out, metrics_out = args[:5]
    num_epoch, hidden_units, init_flag = int(args[5]), int(args[6]), int(args[7])
    learning_rate = float(args[8])

    X1_train, y_train = load_data(train_input)
    X1_val, y_val = load_data(val_input)
    alpha, beta, history = train(
        X1_train, y_train, X1_val, y_val, num_epoch, hidden_units, init_flag, learning_rate
    )
    train_pred = predict(X1_train, alpha, beta)
    val_pred = predict(X1_val, alpha, beta)
    write_labels(train_out, train_pred)
    write_labels(val_out, val_pred)
    write_metrics(
        metrics_out,
        history,
        float(np.mean(train_pred != y_train)),
        float(np.mean(val_pred != y_val)),
    )


if __name__ == "__main__":
    main()
