"""Bearer tokens, from a YAML file mapping each token to ``{role, name}``.

    s3cret-alice: {role: student, name: alice}
    s3cret-prof:  {role: instructor, name: prof}

The file is read once, when the app is built (restart the API after editing it).
Tokens are kept only as SHA-256 digests, so looking one up takes the same time
whichever token it is close to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.errors import ApiError

Role = Literal["student", "instructor"]
bearer = HTTPBearer(auto_error=False, description="a token from GRADER_TOKENS_FILE")


@dataclass(frozen=True)
class User:
    name: str  # the key of the user's submissions
    role: Role
    display: str = ""  # how pages name them (an LMS user's name); the name when empty

    @property
    def label(self) -> str:
        return self.display or self.name

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


class TokenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    name: Annotated[str, Field(min_length=1)]


class TokenFileError(Exception):
    """The tokens file cannot be used; the message names the file and the entry."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_tokens(path: Path | None) -> dict[str, User]:
    """Token digest -> user. No file: an empty mapping (no one can log in)."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TokenFileError(f"{path}: cannot read the tokens file: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TokenFileError(f"{path}: the top level must map each token to {{role, name}}")
    users: dict[str, User] = {}
    for i, (token, entry) in enumerate(data.items(), start=1):
        if not isinstance(token, str) or not token.strip():
            raise TokenFileError(
                f"{path}: entry {i}: a token must be a non-empty string (quote it)"
            )
        try:
            parsed = TokenEntry.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "(entry)"
            raise TokenFileError(f"{path}: entry {i}: {where}: {error['msg']}") from None
        users[digest(token)] = User(parsed.name, parsed.role)
    return users


class Authenticator:
    def __init__(self, users: Mapping[str, User]) -> None:
        self.users = dict(users)

    def user(self, credentials: HTTPAuthorizationCredentials | None) -> User:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise ApiError(
                401, "unauthorized", "missing token: send 'Authorization: Bearer TOKEN'", challenge
            )
        return self.user_of_token(credentials.credentials, challenge)

    def user_of_token(self, token: str, headers: Mapping[str, str] | None = None) -> User:
        """The token's user (the API's bearer token, or one typed into the sign-in page)."""
        if not token:
            raise ApiError(401, "unauthorized", "missing token", headers)
        user = self.users.get(digest(token))
        if user is None:
            raise ApiError(401, "unauthorized", "invalid token", headers)
        return user


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    authenticator: Authenticator = request.app.state.services.auth
    return authenticator.user(credentials)


def instructor(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_instructor:
        raise ApiError(403, "forbidden", "only instructors may do this")
    return user
