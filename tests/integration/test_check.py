"""`grader check` in real Docker sandboxes: it passes on each of the four assignments as
shipped (which grades every variant of their mutants.yaml: this is where variants are
held to their `fails` lists in containers), and fails each broken copy with the message
that names the break: (a) a wrong reference, (b) a test that catches no variant, (c) a
metric threshold beyond the reference's reach, with and without --seeds.

The broken copies are trimmed to a few tests and run with --variant subsets, so that
they stay fast; the command runs in this process (cli.main.main), with its own cache.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import main
from grader.spec import SpecLoader
from tests.conftest import CMU, CS189, MIT6390, REPO, THU

pytestmark = pytest.mark.docker

ASSIGNMENTS = {"cs189_hw2": CS189, "mit6390_nn": MIT6390, "thu_dl_hw": THU, "cmu10601_hw5": CMU}
Spec = dict[str, Any]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def check(
    docker_sandbox: object, cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> Callable[..., tuple[int, list[dict[str, Any]]]]:
    """Run ``grader check ARGS --json``: the exit status and the findings."""
    monkeypatch.setenv("GRADER_CACHE_DIR", str(cache))
    work = os.environ.get("GRADER_WORK_DIR", "/var/tmp/mlgrader/test-runs")
    monkeypatch.setenv("GRADER_WORK_DIR", work)

    def run(*args: str | Path) -> tuple[int, list[dict[str, Any]]]:
        status = main(["check", *map(str, args), "--json"])
        out = capsys.readouterr().out
        return status, json.loads(out)["findings"] if out else []

    return run


def messages(findings: list[dict[str, Any]], verdict: str = "FAIL") -> list[str]:
    return [f["message"] for f in findings if f["verdict"] == verdict]


# ------------------------------------------------------------------- the real assignments


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_check_passes_on_each_assignment(name: str, check: Any) -> None:
    directory = ASSIGNMENTS[name]
    status, findings = check(directory)
    assert status == 0, messages(findings)
    assert not messages(findings)
    variants = yaml.safe_load((directory / "mutants.yaml").read_text())["variants"]
    passed = {f["check"] for f in findings if f["stage"] == "variant" and f["verdict"] == "ok"}
    assert passed == {f"variant {v['name']}" for v in variants}
    stages = {f["stage"] for f in findings if f["verdict"] == "ok"}
    assert {"spec", "reference", "starter", "variant", "coverage", "timing"} <= stages


# ----------------------------------------------------------------------- broken copies


def copy_of(
    directory: Path,
    tmp_path: Path,
    keep: list[str] | None = None,
    edit: Callable[[Spec], None] | None = None,
) -> Path:
    """A copy of the assignment folder with only the tests named in ``keep`` (and the
    variants file cut to them), then ``edit`` applied to the spec."""
    copy = tmp_path / directory.name
    shutil.copytree(directory, copy, ignore=shutil.ignore_patterns("golden", "README.md"))
    spec = yaml.load((copy / "assignment.yaml").read_text(), Loader=SpecLoader)
    variants = yaml.safe_load((copy / "mutants.yaml").read_text())
    if keep is not None:
        spec["tests"] = [t for t in spec["tests"] if t["name"] in keep]
        for v in variants["variants"]:
            v["fails"] = [name for name in v["fails"] if name in keep]
        variants["variants"] = [v for v in variants["variants"] if v["fails"]]
    if edit is not None:
        edit(spec)
    (copy / "assignment.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    (copy / "mutants.yaml").write_text(yaml.safe_dump(variants, sort_keys=False))
    return copy


def named_test(spec: Spec, name: str) -> Spec:
    return next(t for t in spec["tests"] if t["name"] == name)


# (a) The reference with one of its own variants' bugs. A reference matches itself, so
# the bug shows where a check is absolute (no warnings, statistics, a threshold), or
# where its variants no longer apply.
WRONG_REFERENCES = {
    "cs189_hw2": (
        "hw2.py",
        "sigmoid_naive_unstable",
        None,
        "reference: lost 'sigmoid_activation raises no overflow warning on [-1000, 1000]' "
        "(0/2): floating-point warning: overflow encountered in exp",
    ),
    "mit6390_nn": (
        "nn.py",
        "init_variance_one_over_m",
        ["Linear.__init__: shapes, zero offsets and spread", "Linear.forward"],
        "reference: lost 'Linear.__init__: shapes, zero offsets and spread' (",
    ),
    "thu_dl_hw": (
        "q5.py",
        "flooding_minus_b",
        ["flooding_loss: value above and below b", "build_mlp: 397,510 parameters"],
        "variant flooding_minus_b: its old text does not occur in q5.py",
    ),
    "cmu10601_hw5": (
        "neuralnet.py",
        "labels_one_based",
        ["Random init, medium data, 20 epochs, 50 hidden units, lr 0.01: error rates"],
        "reference: lost 'Random init, medium data, 20 epochs, 50 hidden units, lr 0.01: "
        "error rates' (0/2): training error from medium_train_out.labels",
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG_REFERENCES))
def test_a_wrong_reference_fails(
    name: str, check: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file, bug, keep, message = WRONG_REFERENCES[name]
    package = f"checkref_{name}_{tmp_path.name}"
    shutil.copytree(REPO / "reference" / name, tmp_path / package)
    variants = yaml.safe_load((ASSIGNMENTS[name] / "mutants.yaml").read_text())["variants"]
    variant = next(v for v in variants if v["name"] == bug)
    source = (tmp_path / package / file).read_text()
    (tmp_path / package / file).write_text(source.replace(variant["old"], variant["new"]))
    monkeypatch.syspath_prepend(str(tmp_path))

    def point_at_copy(spec: Spec) -> None:
        spec["reference"]["module"] = f"{package}.{Path(file).stem}"

    copy = copy_of(ASSIGNMENTS[name], tmp_path, keep, point_at_copy)
    status, findings = check(copy, "--variant", bug)
    assert status == 1
    assert any(m.startswith(message) for m in messages(findings)), messages(findings)
    old_text_gone = f"variant {bug}: its old text does not occur in {file}"
    assert old_text_gone in messages(findings)


# (b) An added test that no variant lists: a copy of a cheap test under a new name.
UNCAUGHT = {
    "cs189_hw2": ("relu_activation", "relu_derivative_always_one"),
    "mit6390_nn": ("SoftMax.class_fun", "class_fun_wrong_axis"),
    "thu_dl_hw": ("flooding_loss: value above and below b", "flooding_minus_b"),
    "cmu10601_hw5": (
        "Zero init, small data, 2 epochs, 4 hidden units, lr 0.1: metrics file",
        "cross_entropy_summed",
    ),
}


@pytest.mark.parametrize("name", sorted(UNCAUGHT))
def test_a_test_that_catches_no_variant_fails(name: str, check: Any, tmp_path: Path) -> None:
    original, variant = UNCAUGHT[name]

    def add_copy(spec: Spec) -> None:
        spec["tests"].append({**named_test(spec, original), "name": f"{original} (again)"})

    copy = copy_of(ASSIGNMENTS[name], tmp_path, [original], add_copy)
    status, findings = check(copy, "--variant", variant)
    assert status == 1
    assert f"coverage: test '{original} (again)' catches none of the variants" in messages(findings)
    lost_too = f"variant {variant}: also lost '{original} (again)' (not in its fails list)"
    assert any(m.startswith(lost_too) for m in messages(findings)), messages(findings)
    ok = [f["stage"] for f in findings if f["verdict"] == "ok"]
    assert ok[:3] == ["spec", "reference", "starter"]  # the copy itself is sound


# (c) A metric bound beyond what the reference reaches: the reference loses the test,
# and with --seeds the spread names how many seeds the bound rejects.
THRESHOLDS = {
    "cs189_hw2": ("train_network on MNIST 3 vs 9", 2, "min", 0.999, "test accuracy"),
    "mit6390_nn": ("Sequential.sgd trains on XOR blobs", 1, "min", 1.001, "test accuracy"),
    "thu_dl_hw": ("train: MLP accuracy on the hidden test split", 1, "min", 0.999, "test accuracy"),
    "cmu10601_hw5": (
        "Random init, medium data: error on hidden test labels",
        0,
        "max",
        0.01,
        "error on the hidden test labels",
    ),
}


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_a_threshold_beyond_the_reference_fails(name: str, check: Any, tmp_path: Path) -> None:
    test, index, side, bound, label = THRESHOLDS[name]

    def raise_bound(spec: Spec) -> None:
        named_test(spec, test)["checks"][index][side] = bound

    copy = copy_of(ASSIGNMENTS[name], tmp_path, [test], raise_bound)
    status, findings = check(copy, "--seeds", "2")
    assert status == 1
    needs = f"(needs {'>=' if side == 'min' else '<='} {bound:g})"
    lost = [m for m in messages(findings) if m.startswith(f"reference: lost '{test}'")]
    assert len(lost) == 1 and needs in lost[0], messages(findings)
    samples = "runs" if name == "cmu10601_hw5" else "seeds"  # CMU's program seeds nothing
    spread = f"threshold {side} {bound:g} of '{label}' in test '{test}': rejects 2 of 2 "
    assert any(m.startswith(spread + f"reference {samples} (") for m in messages(findings))
    assert "variants: skipped: the reference does not score full marks" in " ".join(
        messages(findings, "WARN")
    )


# --------------------------------------------------------------------- unusable input


def test_an_invalid_variants_file_exits_2(
    check: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = copy_of(CS189, tmp_path)
    text = (copy / "mutants.yaml").read_text().replace("- relu_activation", "- relu activation")
    (copy / "mutants.yaml").write_text(text)
    assert main(["check", str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"{copy / 'mutants.yaml'}:" in err
    assert "variants[7].fails[0]: 'relu activation' is not the name of a test of the" in err
    assert "(did you mean 'relu_activation'?)" in err


def test_an_unknown_variant_exits_2(check: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(CS189), "--variant", "no_such_bug"]) == 2
    err = capsys.readouterr().err
    assert "--variant no_such_bug: mutants.yaml has no such variant (it has: " in err


def test_a_missing_sandbox_image_exits_3(
    check: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRADER_SANDBOX_IMAGE", "mlgrader-sandbox:no-such-tag")
    assert main(["check", str(CS189)]) == 3
    last = capsys.readouterr().err.splitlines()[-1]  # after the progress line
    assert last.startswith("grader: infrastructure error (try again): ")
    assert "mlgrader-sandbox:no-such-tag" in last
