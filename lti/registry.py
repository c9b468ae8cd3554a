"""The platforms (LMSs) this tool trusts, as the operator registered them.

Each entry is what an LMS administrator hands over when they register the tool: the
platform's issuer, the client_id it gave the tool, its deployment ids and its three URLs.
The operator keeps them in a YAML file (a list of entries); ``Registry.load`` reads it and
says which entry and which field is wrong when it cannot be used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Text = Annotated[str, Field(min_length=1)]


class Platform(BaseModel):
    """One registration of this tool with one platform (one issuer and client_id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: Text
    client_id: Text
    deployment_ids: list[Text] = Field(min_length=1)
    auth_login_url: Text
    auth_token_url: Text
    key_set_url: Text
    name: str = ""  # for people: "Canvas at Example University"


class RegistryError(Exception):
    """The operator's platform file cannot be used; the message names the file, the
    entry (counted from 1) and the field."""


class Registry:
    """The registered platforms, found by (issuer, client_id)."""

    def __init__(self, platforms: Iterable[Platform] = ()) -> None:
        self._platforms = tuple(platforms)
        seen = set()
        for p in self._platforms:
            pair = (p.issuer, p.client_id)
            if pair in seen:
                raise ValueError(
                    f"two platforms with issuer {p.issuer!r} and client_id {p.client_id!r}"
                )
            seen.add(pair)

    @classmethod
    def load(cls, path: Path | None) -> Registry:
        """The platforms of a YAML file (a list of entries); None: no platforms."""
        if path is None:
            return cls()
        entries = _read_entries(path)
        platforms = [_platform(path, number, entry) for number, entry in enumerate(entries, 1)]
        _check_unique(path, platforms)
        return cls(platforms)

    def find(self, issuer: str, client_id: str | None) -> Platform | None:
        """The platform of this issuer and client_id; client_id None: the issuer's only
        platform (None when it has several, since the launch must then say which)."""
        mine = self.for_issuer(issuer)
        if client_id is None:
            return mine[0] if len(mine) == 1 else None
        return next((p for p in mine if p.client_id == client_id), None)

    def for_issuer(self, issuer: str) -> tuple[Platform, ...]:
        """Every registration of one issuer (an LMS may register the tool several times)."""
        return tuple(p for p in self._platforms if p.issuer == issuer)

    @property
    def platforms(self) -> tuple[Platform, ...]:
        return self._platforms

    def __iter__(self) -> Iterator[Platform]:
        return iter(self._platforms)

    def __len__(self) -> int:
        return len(self._platforms)

    def __bool__(self) -> bool:
        return bool(self._platforms)


def _read_entries(path: Path) -> list[object]:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as e:
        raise RegistryError(f"{path}: cannot read the LTI platform file: {e.strerror}") from e
    except yaml.YAMLError as e:
        raise RegistryError(f"{path}: not valid YAML: {e}") from e
    if data is None:
        return []
    if not isinstance(data, list):
        raise RegistryError(f"{path}: expected a list of platforms, found a {type(data).__name__}")
    return data


def _platform(path: Path, number: int, entry: object) -> Platform:
    if not isinstance(entry, dict):
        raise RegistryError(
            f"{path}: entry {number}: expected a mapping of fields, found a {type(entry).__name__}"
        )
    try:
        return Platform.model_validate(entry)
    except ValidationError as e:
        problems = "; ".join(_problem(err) for err in e.errors())
        raise RegistryError(f"{path}: entry {number}: {problems}") from None


def _problem(err: dict) -> str:
    field = ".".join(str(part) for part in err["loc"]) or "entry"
    return f"field {field!r}: {err['msg']}"


def _check_unique(path: Path, platforms: list[Platform]) -> None:
    first: dict[tuple[str, str], int] = {}
    for number, p in enumerate(platforms, 1):
        pair = (p.issuer, p.client_id)
        if pair in first:
            raise RegistryError(
                f"{path}: entry {number}: field 'client_id': issuer "
                f"{p.issuer!r} with client_id {p.client_id!r} is already "
                f"entry {first[pair]}"
            )
        first[pair] = number
