"""CMU 10-601 HW5: a one-hidden-layer neural network trained by SGD.

Usage::

    python neuralnet.py train_input validation_input train_out validation_out metrics_out \\
        num_epoch hidden_units init_flag learning_rate

Fill in the functions marked TODO. The command line, the file formats and the network
are described in the assignment's README.md. NumPy and the standard library only.
"""

import sys

import numpy as np

NUM_CLASSES = 10


def load_data(path):
    """Read a CSV of rows `label,p1,...,pM`; return (X, y): X an n x M float array of the
    0/1 pixels, y an int array of n labels."""
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    return data[:, 1:], data[:, 0].astype(int)


def init_weights(num_features, hidden_units, init_flag):
    """Return (alpha, beta): alpha is hidden_units x (num_features + 1), beta is
    NUM_CLASSES x (hidden_units + 1); column 0 of each is the bias.
    init_flag 1: weights uniform in [-0.1, 0.1], biases 0; init_flag 2: all zeros."""
    raise NotImplementedError("init_weights")  # TODO


def forward(x, alpha, beta):
    """Forward pass of one example x (M pixels): return whatever backward needs, including
    the softmax output yhat (10 probabilities)."""
    raise NotImplementedError("forward")  # TODO


def backward(x, label, alpha, beta, cache):
    """Gradients (dJ/dalpha, dJ/dbeta) of the cross-entropy J = -log yhat[label]."""
    raise NotImplementedError("backward")  # TODO


def mean_cross_entropy(X, y, alpha, beta):
    """The mean over all rows of -log yhat[label]."""
    raise NotImplementedError("mean_cross_entropy")  # TODO


def predict(X, alpha, beta):
    """The predicted label of every row: the argmax of yhat (ties to the smallest label)."""
    raise NotImplementedError("predict")  # TODO


def sgd_epoch(X, y, alpha, beta, learning_rate):
    """One pass of SGD over the rows in file order (no shuffling): for each row, forward,
    backward, then alpha -= learning_rate * dJ/dalpha and the same for beta.
    Return the updated (alpha, beta)."""
    raise NotImplementedError("sgd_epoch")  # TODO


def write_outputs(train_out, validation_out, metrics_out, metrics, train, validation):
    """Write one predicted label per line to train_out and validation_out, then the
    metrics lines followed by "error(train): X" and "error(validation): X" to metrics_out.
    `train` and `validation` are (predicted labels, true labels) pairs."""
    raise NotImplementedError("write_outputs")  # TODO


def main(argv):
    train_input, validation_input, train_out, validation_out, metrics_out = argv[:5]
    num_epoch, hidden_units, init_flag = int(argv[5]), int(argv[6]), int(argv[7])
    learning_rate = float(argv[8])

    X_train, y_train = load_data(train_input)
    X_val, y_val = load_data(validation_input)
    alpha, beta = init_weights(X_train.shape[1], hidden_units, init_flag)
    metrics = []
    for epoch in range(1, num_epoch + 1):
        alpha, beta = sgd_epoch(X_train, y_train, alpha, beta, learning_rate)
        train_ce = mean_cross_entropy(X_train, y_train, alpha, beta)
        val_ce = mean_cross_entropy(X_val, y_val, alpha, beta)
        metrics.append(f"epoch={epoch} crossentropy(train): {train_ce}")
        metrics.append(f"epoch={epoch} crossentropy(validation): {val_ce}")

    train = (predict(X_train, alpha, beta), y_train)
    validation = (predict(X_val, alpha, beta), y_val)
    write_outputs(train_out, validation_out, metrics_out, metrics, train, validation)


if __name__ == "__main__":
    main(sys.argv[1:])
