from __future__ import annotations

import io
import json

import numpy as np
import pytest

from grader import codec


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2.5,
        "text",
        [1, 2],
        (1, (2.0, "x")),
        {"a": [1, 2]},
        np.arange(6.0).reshape(2, 3),
        [np.zeros((2, 1)), np.ones(3, dtype=np.int64)],
        float("nan"),
        float("-inf"),
    ],
    ids=repr,
)
def test_round_trip(value: object) -> None:
    tree, blobs = codec.encode(value, prefix="p")
    back = codec.decode(json.loads(json.dumps(tree, allow_nan=False)), blobs, 1 << 20)
    if isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        np.testing.assert_equal(back, value)
        assert type(back) is type(value)


def test_ndarray_subclass_becomes_a_plain_array() -> None:
    class Sneaky(np.ndarray):
        def __eq__(self, other: object) -> bool:  # type: ignore[override]
            return True

    tree, blobs = codec.encode(np.zeros(3).view(Sneaky), prefix="p")
    back = codec.decode(tree, blobs, 1 << 20)
    assert type(back) is np.ndarray


def test_unknown_objects_are_marked_unsupported() -> None:
    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    tree, blobs = codec.encode(AlwaysEqual(), prefix="p")
    assert isinstance(codec.decode(tree, blobs, 1 << 20), codec.Unsupported)


def pickled_array_npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("tree", "blobs", "fragment"),
    [
        ({"__ndarray__": "a.npy"}, {"a.npy": pickled_array_npy()}, "not a valid .npy"),
        ({"__ndarray__": "a.npy"}, {"a.npy": b"garbage"}, "not a valid .npy"),
        ({"__ndarray__": "../etc/passwd.npy"}, {}, "missing array file"),
        ({"__ndarray__": "big.npy"}, {"big.npy": b"x" * 10_000}, "larger than"),
        ({"__weird__": 1}, {}, "malformed value node"),
        ({"a": 1, "b": 2}, {}, "malformed value node"),
    ],
)
def test_decode_refuses_untrusted_garbage(tree: object, blobs: dict, fragment: str) -> None:
    with pytest.raises(codec.CodecError, match=fragment):
        codec.decode(tree, blobs, max_array_bytes=1000)


def test_torch_tensors_leave_as_plain_arrays() -> None:
    import torch

    tree, blobs = codec.encode((torch.ones(2, 3, requires_grad=True), torch.tensor(4)), prefix="t")
    back = codec.decode(tree, blobs, 1 << 20)
    assert type(back[0]) is np.ndarray and back[0].shape == (2, 3)
    assert back[1] == 4


def test_an_array_in_several_outputs_is_written_once() -> None:
    first = np.arange(6.0).reshape(2, 3)
    seen: dict[int, tuple[object, object]] = {}
    whole, whole_blobs = codec.encode([first, np.zeros(2)], "t06_0_", seen=seen)
    part, part_blobs = codec.encode(first, "t06_1_", seen=seen)
    assert part == whole[0] and part_blobs == {}  # names the first output's blob
    blobs = {**whole_blobs, **part_blobs}
    np.testing.assert_array_equal(codec.decode(part, blobs, 1 << 20), first)
    again, again_blobs = codec.encode(first.copy(), "t06_2_")  # another object: its own blob
    assert again_blobs and again != part
