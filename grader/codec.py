"""Value codec: Python values <-> a JSON tree plus ``.npy`` blobs.

This is the only format that crosses the sandbox boundary, in both directions:
fixtures go in, a student's return values come out. It is deliberately tiny and
pickle-free. The decoder reads arrays with ``allow_pickle=False``, refuses object
dtypes, and enforces size caps, because on the way out the bytes were written by
untrusted code.

This module is also copied into the sandbox, so it imports only the standard
library and NumPy.

Tree nodes:
    null, bool, int, float (finite), str, list       -> as in JSON
    {"__float__": "nan" | "inf" | "-inf"}             -> a non-finite float
    {"__tuple__": [...]}                              -> tuple
    {"__dict__": {"key": node, ...}}                  -> dict with str keys
    {"__ndarray__": "blob-name.npy"}                  -> numpy array
    {"__unsupported__": "type name"}                  -> a value that cannot be encoded
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

BLOB_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}\.npy$")
MAX_DEPTH = 32
NUMERIC_KINDS = frozenset("biufc")


class CodecError(ValueError):
    """Bytes or a tree that do not follow the codec's rules."""


def tensor_to_array(value: Any) -> Any:
    """A torch tensor as a NumPy array (None for anything else); torch is not imported."""
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return None


def encode(
    value: Any,
    prefix: str,
    to_array: Callable[[Any], Any] | None = tensor_to_array,
    seen: dict[int, tuple[Any, Any]] | None = None,
) -> tuple[Any, dict[str, bytes]]:
    """Encode ``value`` into a JSON-able tree and a dict of blob name -> npy bytes.

    ``to_array`` converts library objects (by default torch tensors) to arrays; it
    returns None for objects it does not know. ``seen`` (id of an array or tensor ->
    the object and its node), shared by the encodings of one test's outputs, writes
    an array that several outputs contain once (``Ws`` and ``Ws[0]``): the later
    nodes name the first one's blob.
    """
    blobs: dict[str, bytes] = {}
    seen = {} if seen is None else seen

    def once(v: Any, make: Callable[[], Any]) -> Any:
        # the object is kept with its node: a freed temporary's id could be reused
        if id(v) not in seen:
            seen[id(v)] = (v, make())
        return seen[id(v)][1]

    def walk(v: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return {"__unsupported__": "structure nested too deeply"}
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, np.integer)) and not isinstance(v, np.bool_):
            return int(v)
        if isinstance(v, (float, np.floating)):
            f = float(v)
            return f if math.isfinite(f) else {"__float__": repr(f)}
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, np.ndarray):
            return once(v, lambda: array_node(np.asarray(v)))
        if isinstance(v, tuple):
            return {"__tuple__": [walk(x, depth + 1) for x in v]}
        if isinstance(v, list):
            return [walk(x, depth + 1) for x in v]
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            return {"__dict__": {k: walk(x, depth + 1) for k, x in v.items()}}
        converted = to_array(v) if to_array is not None else None
        if converted is not None:
            return once(v, lambda: array_node(np.asarray(converted)))
        return {"__unsupported__": type(v).__qualname__}

    def array_node(arr: np.ndarray) -> Any:
        if arr.dtype.kind not in NUMERIC_KINDS:
            return {"__unsupported__": f"ndarray of dtype {arr.dtype}"}
        name = f"{prefix}{len(blobs)}.npy"
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
        blobs[name] = buf.getvalue()
        return {"__ndarray__": name}

    return walk(value, 0), blobs


def decode(tree: Any, blobs: Mapping[str, bytes], max_array_bytes: int) -> Any:
    """Rebuild a value from its tree; raise CodecError on anything malformed."""

    def walk(node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise CodecError("value nested too deeply")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [walk(x, depth + 1) for x in node]
        if not isinstance(node, dict) or len(node) != 1:
            raise CodecError(f"malformed value node {str(node)[:60]!r}")
        ((tag, body),) = node.items()
        if tag == "__float__" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "__tuple__" and isinstance(body, list):
            return tuple(walk(x, depth + 1) for x in body)
        if tag == "__dict__" and isinstance(body, dict):
            return {str(k): walk(x, depth + 1) for k, x in body.items()}
        if tag == "__ndarray__" and isinstance(body, str):
            return load_array(body)
        if tag == "__unsupported__" and isinstance(body, str):
            return Unsupported(body)
        raise CodecError(f"malformed value node {str(node)[:60]!r}")

    def load_array(name: str) -> np.ndarray:
        if not BLOB_NAME.match(name) or name not in blobs:
            raise CodecError(f"missing array file {name[:100]!r}")
        data = blobs[name]
        if len(data) > max_array_bytes + 4096:
            raise CodecError(f"array file {name} is larger than {max_array_bytes} bytes")
        try:
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        except Exception as exc:
            raise CodecError(f"array file {name} is not a valid .npy file: {exc}") from None
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in NUMERIC_KINDS:
            raise CodecError(f"array file {name} does not hold a numeric array")
        return arr

    return walk(tree, 0)


class Unsupported:
    """Stands for a returned value the codec could not carry (e.g. a custom object)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"
