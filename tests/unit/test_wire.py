"""The wire formats (grader.wire): writers and readers together, and the readers fed
malformed and hostile bytes. A reader never raises on bad input; it drops it."""

from __future__ import annotations

import base64
import io
import json
import signal
from typing import Any

import pytest

from grader import wire
from grader.wire import PhaseStatus


def line(item: Any) -> bytes:
    return json.dumps(item).encode() + b"\n"


def item(name: Any, data: bytes = b"x") -> bytes:
    return line({"file": name, "b64": base64.b64encode(data).decode()})


GOOD = item("ok.npy", b"good")


# ---------------------------------------------------------------- the report stream


def test_stream_round_trip() -> None:
    files = {wire.REPORT_FILE: b'{"version": 1}', "t00_0_0.npy": bytes(range(256)), "e.npy": b""}
    out = io.StringIO()
    wire.write_stream(out, files)
    text = out.getvalue()
    assert text.endswith(json.dumps({"end": 3}) + "\n")
    assert wire.parse_stream(text.encode(), max_bytes=1 << 20) == files


def test_report_files_put_the_report_first() -> None:
    files = wire.report_files({"version": 1}, {"t00_0_0.npy": b"a"})
    assert list(files) == [wire.REPORT_FILE, "t00_0_0.npy"]
    assert json.loads(files[wire.REPORT_FILE]) == {"version": 1}


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"", {}),
        (b"garbage\n" + GOOD + b"\xff\xfe\n" + b"{not json\n", {"ok.npy": b"good"}),
        (b"[" * 100_000 + b"\n" + GOOD, {"ok.npy": b"good"}),  # nested too deeply
        (line([1, 2]) + line(3) + line("s") + line(None) + GOOD, {"ok.npy": b"good"}),
        (line({"file": "a.npy", "b64": "@@@@"}) + GOOD, {"ok.npy": b"good"}),  # not base64
        (line({"file": "a.npy", "b64": "YQ"}), {}),  # bad padding
        (line({"file": "a.npy", "b64": "YW Jj"}), {}),  # a space inside
        (line({"file": "a.npy", "b64": 5}), {}),
        (line({"file": "a.npy", "b64": ["YQ=="]}), {}),
        (line({"file": "a.npy"}), {}),
        (line({"b64": "YQ=="}), {}),
        (line({"file": 7, "b64": "YQ=="}), {}),
        (line({"file": ["a.npy"], "b64": "YQ=="}), {}),
        (line({"file": "a.npy", "b64": "YQ==", "end": 1}), {}),  # an end marker is no file
        (item("a.npy", b"1") + item("a.npy", b"2"), {"a.npy": b"2"}),  # the last one wins
        (GOOD, {"ok.npy": b"good"}),  # no end marker: what parsed
        (GOOD + line({"end": 1}) + item("late.npy"), {"ok.npy": b"good", "late.npy": b"x"}),
    ],
)
def test_parse_stream_drops_malformed_lines(stream: bytes, expected: dict[str, bytes]) -> None:
    assert wire.parse_stream(stream, max_bytes=1 << 20) == expected


@pytest.mark.parametrize(
    "name",
    ["../x.npy", "a/b.npy", "/etc/passwd", "..", ".", "...", "", "a b.npy", "a\nb", "x" * 121],
)
def test_parse_stream_refuses_names_that_are_not_plain_file_names(name: str) -> None:
    assert wire.parse_stream(item(name) + GOOD, max_bytes=1 << 20) == {"ok.npy": b"good"}


def test_parse_stream_reads_only_max_bytes_of_the_stream() -> None:
    stream = item("a.npy", b"a" * 100) + item("b.npy", b"b" * 100)
    cut = len(item("a.npy", b"a" * 100)) + 20  # in the middle of the second line
    assert wire.parse_stream(stream, max_bytes=cut) == {"a.npy": b"a" * 100}


def test_parse_stream_of_a_huge_hostile_stream_is_capped() -> None:
    stream = b"".join(item(f"{n}.npy", b"q" * (1 << 18)) for n in range(16))
    files = wire.parse_stream(stream, max_bytes=1 << 20)
    assert 0 < len(files) < 4 and sum(len(v) for v in files.values()) <= 1 << 20


def test_stream_limit_leaves_room_for_base64() -> None:
    assert wire.stream_limit_mb(32) == 80
    assert wire.stream_limit_mb(32) << 20 > 4 * (32 << 20) / 3


# ---------------------------------------------------------------- the child frame


def frame_of(payload: bytes) -> bytes:
    return wire.FRAME_HEADER.pack(len(payload)) + payload


def malformed(kind: str) -> dict[str, Any]:
    message = f"the test process sent malformed data ({kind})"
    return {"status": "error", "error_type": "MalformedResult", "message": message}


EXIT_3 = 3 << 8  # wait statuses as os.waitpid returns them
KILLED_9 = signal.SIGKILL
SEGV = signal.SIGSEGV
STOPPED = (signal.SIGSTOP << 8) | 0x7F


@pytest.mark.parametrize(
    ("result", "status", "expected"),
    [
        (b"", None, {"status": "timeout"}),
        (b"\x00\x00\x00", None, {"status": "timeout"}),  # a short header
        (b"\x00\x00\x00", 0, {"status": "exited", "exit_code": 0}),
        (frame_of(b'{"entry": {}}')[:-1], EXIT_3, {"status": "exited", "exit_code": 3}),
        (frame_of(b"{}") + b"more", None, {"status": "timeout"}),  # longer than announced
        (wire.FRAME_HEADER.pack(1 << 62), None, {"status": "timeout"}),  # announces too much
        (b"", KILLED_9, {"status": "killed", "signal": 9, "oom": False}),
        (b"", SEGV, {"status": "killed", "signal": 11, "oom": False}),
        (b"", STOPPED, {"status": "exited", "exit_code": None}),
        (frame_of(b"not json"), 0, malformed("JSONDecodeError")),
        (frame_of(b"\x80abc"), 0, malformed("UnicodeDecodeError")),
        (frame_of(b"[" * 100_000), 0, malformed("RecursionError")),
        (frame_of(b"[1, 2]"), 0, malformed("TypeError")),
        (frame_of(b'{"blobs": {}}'), 0, malformed("KeyError")),
        (frame_of(b'{"entry": {}}'), 0, malformed("KeyError")),
        (frame_of(b'{"entry": 5, "blobs": {}}'), 0, malformed("TypeError")),
        (frame_of(b'{"entry": {}, "blobs": []}'), 0, malformed("AttributeError")),
        (frame_of(b'{"entry": {}, "blobs": {"a.npy": "YQ"}}'), 0, malformed("Error")),
        (frame_of(b'{"entry": {}, "blobs": {"a.npy": 5}}'), 0, malformed("TypeError")),
    ],
)
def test_interpret(result: bytes, status: int | None, expected: dict[str, Any]) -> None:
    assert wire.interpret(result, status, False, False) == (expected, {})


def test_interpret_a_frame_wins_over_the_exit_status() -> None:
    """A child that sent its result and was then killed (say, by its own fork) still counts."""
    frame = wire.encode_frame({"status": "ok", "blobs": {"t00_0_0.npy": b"\x93NUMPY"}})
    entry, blobs = wire.interpret(frame, KILLED_9, False, True)
    assert entry == {"status": "ok"} and blobs == {"t00_0_0.npy": b"\x93NUMPY"}


@pytest.mark.parametrize("result", [b"", frame_of(b"{}"), wire.encode_frame({"status": "ok"})])
def test_interpret_too_large_wins_over_everything(result: bytes) -> None:
    assert wire.interpret(result, 0, True, False) == ({"status": "too_large"}, {})


def test_interpret_oom() -> None:
    entry, _ = wire.interpret(b"", KILLED_9, False, True)
    assert entry == {"status": "killed", "signal": 9, "oom": True}


def test_interpret_takes_the_entry_as_sent() -> None:
    """The frame comes from a child that ran student code: its entry is data, and
    report.parse (trusted side) validates every field of it later."""
    payload = json.dumps({"entry": {"status": 5, "x": [1]}, "blobs": {"../a": "YQ=="}}).encode()
    assert wire.interpret(frame_of(payload), 0, False, False) == (
        {"status": 5, "x": [1]},
        {"../a": b"a"},
    )


def test_frame_round_trip() -> None:
    blobs = {"t01_0_0.npy": bytes(range(256)), "t01_1_0.npy": b""}
    entry = {"status": "ok", "warnings": [], "values": {"k": {"__ndarray__": "t01_0_0.npy"}}}
    frame = wire.encode_frame({**entry, "blobs": blobs})
    assert wire.is_whole_frame(frame)
    assert wire.decode_frame(frame) == (entry, blobs)
    assert wire.interpret(frame, 0, False, False) == (entry, blobs)


def test_encode_frame_leaves_the_entry_alone() -> None:
    entry = {"status": "ok", "blobs": {"a.npy": b"a"}}
    wire.encode_frame(entry)
    assert entry == {"status": "ok", "blobs": {"a.npy": b"a"}}


# ---------------------------------------------------------------- report entries


@pytest.mark.parametrize(
    ("result", "status", "stopped", "expected"),
    [
        (b"", None, wire.Limit.CPU, {"status": "timeout", "limit": "cpu"}),
        (b"", None, wire.Limit.WALL, {"status": "timeout", "limit": "wall"}),
        (b"", None, wire.Limit.TOTAL, {"status": "timeout", "limit": "total"}),
        (b"", KILLED_9, wire.Limit.CPU, {"status": "timeout", "limit": "cpu"}),  # our kill
        (
            b"",
            None,
            wire.Limit.PIDS,
            {"status": "killed", "signal": 9, "oom": False, "limit": "pids"},
        ),
        (
            frame_of(b'{"entry": {"status": "ok"}, "blobs": {}}'),
            None,
            wire.Limit.CPU,
            {"status": "ok"},
        ),
        (b"", None, None, {"status": "timeout"}),
    ],
)
def test_interpret_names_the_limit_the_runner_stopped_a_child_at(
    result: bytes, status: int | None, stopped: wire.Limit | None, expected: dict[str, Any]
) -> None:
    """A whole frame wins: the child finished as it was stopped."""
    assert wire.interpret(result, status, False, False, stopped) == (expected, {})


def test_statuses_are_the_strings_of_the_report() -> None:
    assert [s.value for s in PhaseStatus] == [
        "ok",
        "error",
        "timeout",
        "killed",
        "exited",
        "too_large",
        "not_run",
        "missing",
        "import_failed",
        "unknown",
    ]
    assert PhaseStatus.TOO_LARGE == "too_large" and f"{PhaseStatus.NOT_RUN}" == "not_run"
    assert json.dumps({"status": PhaseStatus.KILLED}) == '{"status": "killed"}'


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (wire.ok(), {"status": "ok"}),
        (wire.timeout(), {"status": "timeout"}),
        (wire.too_large(), {"status": "too_large"}),
        (wire.killed(9, True), {"status": "killed", "signal": 9, "oom": True}),
        (wire.timeout(wire.Limit.CPU), {"status": "timeout", "limit": "cpu"}),
        (wire.timeout(wire.Limit.WALL), {"status": "timeout", "limit": "wall"}),
        (
            wire.killed(9, False, wire.Limit.PIDS),
            {"status": "killed", "signal": 9, "oom": False, "limit": "pids"},
        ),
        (wire.exited(None), {"status": "exited", "exit_code": None}),
        (wire.not_run("why"), {"status": "not_run", "message": "why"}),
        (wire.error("E", "m"), {"status": "error", "error_type": "E", "message": "m"}),
        (
            wire.error("E", "m", step="s", traceback="tb"),
            {"status": "error", "step": "s", "error_type": "E", "message": "m", "traceback": "tb"},
        ),
    ],
)
def test_entry_builders(entry: dict[str, Any], expected: dict[str, Any]) -> None:
    assert entry == expected
    assert all(type(v) is not PhaseStatus for v in entry.values())  # plain JSON values


def test_new_report() -> None:
    assert wire.new_report() == {"version": wire.REPORT_VERSION, "complete": False, "tests": {}}
