"""lti/registry.py: the operator's platform file, read or refused with a message that
names the file, the entry and the field; platforms found by issuer and client_id."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

from lti.registry import Platform, Registry, RegistryError
from tests.unit.lti_harness import CLIENT_ID, ISSUER, platform


def entry(**changes: object) -> dict[str, object]:
    fields = platform().model_dump()
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "lti.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_no_file_is_an_empty_registry() -> None:
    empty = Registry.load(None)
    assert not empty
    assert len(empty) == 0
    assert empty.find(ISSUER, CLIENT_ID) is None


def test_an_empty_file_is_an_empty_registry(tmp_path: Path) -> None:
    path = tmp_path / "lti.yaml"
    path.write_text("")
    assert not Registry.load(path)


def test_a_file_of_two_platforms(tmp_path: Path) -> None:
    path = write(tmp_path, [entry(), entry(client_id="second", name="")])
    reg = Registry.load(path)
    assert reg
    assert len(reg) == 2
    found = reg.find(ISSUER, CLIENT_ID)
    assert found == platform()
    assert found is not None and found.deployment_ids == ["deployment-1"]
    assert reg.find(ISSUER, "second") is not None
    assert reg.find(ISSUER, "third") is None
    assert reg.find("https://other.example", CLIENT_ID) is None


def test_without_client_id_only_a_single_registration_is_found() -> None:
    one = Registry([platform()])
    assert one.find(ISSUER, None) == platform()
    two = Registry([platform(), platform(client_id="second")])
    assert two.find(ISSUER, None) is None  # ambiguous: the launch must say which
    assert len(two.for_issuer(ISSUER)) == 2
    assert Registry([]).find(ISSUER, None) is None


def test_a_platform_is_frozen() -> None:
    with pytest.raises(pydantic.ValidationError):
        platform().issuer = "https://evil.example"  # type: ignore[misc]


def test_the_same_registration_twice_is_refused_by_the_constructor() -> None:
    with pytest.raises(ValueError, match="two platforms"):
        Registry([platform(), platform(name="again")])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([entry(), entry(key_set_url=None)], ["entry 2", "'key_set_url'", "Field required"]),
        ([entry(**{"client-id": "x"})], ["entry 1", "'client-id'", "Extra inputs"]),
        ([entry(deployment_ids=[])], ["entry 1", "'deployment_ids'", "at least 1"]),
        ([entry(deployment_ids="d1")], ["entry 1", "'deployment_ids'", "valid list"]),
        ([entry(issuer="")], ["entry 1", "'issuer'", "at least 1"]),
        ([entry(), "just a string"], ["entry 2", "mapping"]),
        ({"issuer": ISSUER}, ["list of platforms", "dict"]),
        ([entry(), entry(name="dup")], ["entry 2", "'client_id'", "already entry 1"]),
    ],
    ids=[
        "missing-field",
        "unknown-field",
        "no-deployments",
        "deployments-not-a-list",
        "empty-issuer",
        "entry-not-a-mapping",
        "not-a-list",
        "duplicate",
    ],
)
def test_a_bad_file_is_refused_naming_file_entry_and_field(
    tmp_path: Path, data: object, expected: list[str]
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(RegistryError) as caught:
        Registry.load(path)
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        Registry.load(tmp_path / "absent.yaml")


def test_invalid_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lti.yaml"
    path.write_text("- issuer: [unclosed\n")
    with pytest.raises(RegistryError, match="not valid YAML"):
        Registry.load(path)


def test_platform_fields_are_the_design_ones() -> None:
    assert set(Platform.model_fields) == {
        "issuer",
        "client_id",
        "deployment_ids",
        "auth_login_url",
        "auth_token_url",
        "key_set_url",
        "name",
    }
