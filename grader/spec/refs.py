"""References and arguments: how the YAML names values, parsed into the step
interpreter's JSON form (see grader.steps).

``$fwd[0].W`` is a reference: a name (a fixture or a saved result) followed by
indexes and fields. An argument is a reference, a literal or one of a few tagged
forms (``{function: NAME}``, ``{array: [...]}``, ...).
"""

from __future__ import annotations

import re
from typing import Any

from grader.wire import PROBE_NAMES

REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)((?:\[-?\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*)$")
REF_PART = re.compile(r"\[(-?\d+)\]|\.([A-Za-z_][A-Za-z0-9_]*)")
TENSOR_DTYPES = ("float32", "float64", "int64")


def parse_ref(text: str) -> dict[str, Any]:
    """``$fwd[0].W`` -> {"ref": "fwd", "path": [0, "W"]}."""
    m = REF.match(text)
    if not m:
        raise ValueError(
            f"{text!r} is not a reference: write $name, optionally followed by [index] or .field"
        )
    path: list[Any] = [int(i) if i else key for i, key in REF_PART.findall(m.group(2))]
    return {"ref": m.group(1), "path": path}


def parse_arg(raw: Any) -> dict[str, Any]:
    """Turn one YAML argument into the step interpreter's JSON form (see grader.steps)."""
    if isinstance(raw, str) and raw.startswith("$"):
        return parse_ref(raw)
    if raw is None or isinstance(raw, (bool, int, float, str)):
        return {"value": raw}
    if isinstance(raw, list):
        return {"list": [parse_arg(x) for x in raw]}
    if isinstance(raw, dict) and len(raw) == 1:
        tagged = _tagged(raw)
        if tagged is not None:
            return tagged
    if isinstance(raw, dict) and "array" in raw and set(raw) <= {"array", "dtype"}:
        return {"array": raw["array"], "dtype": raw.get("dtype", "float64")}
    if isinstance(raw, dict) and "tensor" in raw and set(raw) <= {"tensor", "dtype"}:
        return _tensor(raw)
    raise ValueError(
        "an argument is a $reference, a literal, a list of arguments, "
        "{function: NAME}, {probe: NAME}, {value: ANY}, {array: [...], dtype: ...}, "
        "{tensor: ARG, dtype: ...} or (in a run step) {output: NAME}; "
        f"got {str(raw)[:80]!r}"
    )


def _tagged(raw: dict[str, Any]) -> dict[str, Any] | None:
    """``{function: NAME}``, ``{probe: NAME}``, ``{output: NAME}`` or ``{value: ANY}``."""
    ((key, body),) = raw.items()
    if key == "probe" and body not in PROBE_NAMES:
        names = ", ".join(sorted(PROBE_NAMES))
        raise ValueError(f"unknown probe {body!r}; the probes are {names}")
    if key in ("function", "probe", "output") and isinstance(body, str):
        return {key: body}
    if key == "value":
        return {"value": body}
    return None


def _tensor(raw: dict[str, Any]) -> dict[str, Any]:
    dtype = raw.get("dtype", "float32")
    if dtype not in TENSOR_DTYPES:
        raise ValueError(f"tensor dtype {dtype!r} is not one of {', '.join(TENSOR_DTYPES)}")
    return {"tensor": parse_arg(raw["tensor"]), "dtype": dtype}


def key_of(ref: dict[str, Any]) -> str:
    """A stable key for a parsed reference, e.g. ``grads[0][1]``: names a value in the report."""
    return ref["ref"] + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in ref["path"])


def ref_key(text: str) -> str:
    return key_of(parse_ref(text))


def names_in(arg: dict[str, Any], kind: str) -> list[str]:
    """The names a parsed argument holds under ``kind`` (``ref``, ``function`` or
    ``output``), looking inside lists and tensor arguments."""
    if kind in arg:
        return [arg[kind]]
    if "list" in arg:
        return [name for item in arg["list"] for name in names_in(item, kind)]
    if "tensor" in arg:
        return names_in(arg["tensor"], kind)
    return []


def refs_in(arg: dict[str, Any]) -> list[str]:
    """Names (fixtures or saved results) referenced by a parsed argument."""
    return names_in(arg, "ref")


def outputs_in(arg: dict[str, Any]) -> list[str]:
    """Program outputs named by ``{output: NAME}`` arguments."""
    return names_in(arg, "output")


def functions_in(arg: dict[str, Any]) -> list[str]:
    """Student functions passed by ``{function: NAME}`` arguments."""
    return names_in(arg, "function")


def ref_field(v: Any) -> str:
    """A field validator: the field holds a ``$reference`` (kept as written)."""
    if not isinstance(v, str):
        raise ValueError(f"expected a $reference such as $result[0], got {v!r}")
    parse_ref(v)
    return v
