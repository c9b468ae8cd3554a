"""Checks of the CMU 10-601 HW5 reference program and of its data: the NumPy gradients
against PyTorch autograd, the command line end to end, and the CSV files' format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reference.cmu10601_hw5 import neuralnet, torch_ref

DATA = Path(__file__).resolve().parents[2] / "testcases" / "cmu10601_hw5" / "data"


@pytest.mark.parametrize("seed", range(8))
def test_backward_matches_autograd(seed: int) -> None:
    x, label, alpha, beta = torch_ref.random_case(seed)
    x1 = np.concatenate(([1.0], x))
    loss, g_alpha, g_beta = torch_ref.example_loss_and_grads(x, label, alpha, beta)
    cache = neuralnet.forward(x1, label, alpha, beta)
    mine_alpha, mine_beta = neuralnet.backward(x1, label, beta, cache)
    assert cache.loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(mine_alpha, g_alpha, rtol=0, atol=1e-10)
    np.testing.assert_allclose(mine_beta, g_beta, rtol=0, atol=1e-10)
    assert np.abs(g_alpha[:, 1:]).max() > 1e-3  # the check is not vacuous


def test_command_line_writes_the_three_files(tmp_path: Path) -> None:
    out = [tmp_path / name for name in ("train.labels", "val.labels", "metrics.txt")]
    args = [str(DATA / "small_train.csv"), str(DATA / "small_validation.csv"), *map(str, out)]
    neuralnet.main([*args, "2", "4", "2", "0.1"])
    train, val = (np.loadtxt(p, dtype=np.int64) for p in out[:2])
    assert train.shape == (500,) and val.shape == (100,)
    lines = out[2].read_text().splitlines()
    assert [line.rsplit(":", 1)[0] for line in lines] == [
        "epoch=1 crossentropy(train)",
        "epoch=1 crossentropy(validation)",
        "epoch=2 crossentropy(train)",
        "epoch=2 crossentropy(validation)",
        "error(train)",
        "error(validation)",
    ]
    # Training lowers the loss from log(10), the zero-initialised network's.
    assert float(lines[2].rsplit(":", 1)[1]) < float(lines[0].rsplit(":", 1)[1]) < np.log(10)
    assert float(lines[4].rsplit(":", 1)[1]) == pytest.approx(
        neuralnet.error_rate(train, DATA / "small_train.csv")
    )


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("small_train", 500),
        ("small_validation", 100),
        ("medium_train", 2000),
        ("medium_validation", 500),
        ("test_inputs", 500),
    ],
)
def test_csv_files_have_the_homework_format(name: str, rows: int) -> None:
    data = np.loadtxt(DATA / f"{name}.csv", delimiter=",", dtype=np.int64)
    assert data.shape == (rows, 197)
    assert set(np.unique(data[:, 1:])) == {0, 1}
    if name == "test_inputs":
        assert (data[:, 0] == 0).all()  # the true labels are in the hidden test_labels.npy
        labels = np.load(DATA / "test_labels.npy", allow_pickle=False)
        assert np.bincount(labels).tolist() == [50] * 10
    else:
        assert np.bincount(data[:, 0]).tolist() == [rows // 10] * 10


def test_error_rate_refuses_a_wrong_number_of_labels() -> None:
    with pytest.raises(ValueError, match="wrote 99 labels for 100 rows"):
        neuralnet.error_rate(np.zeros(99, dtype=np.int64), DATA / "small_validation.csv")
