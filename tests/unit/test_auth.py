"""Authentication (api/auth.py): a request without a valid bearer token is a 401, and the
tokens file is read strictly, naming the entry at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.auth import TokenFileError, load_tokens
from tests.unit.api_harness import SOURCE, Harness, assert_error, make_harness

# ---------------------------------------------------------------- requests without a valid token


def test_401_carries_a_bearer_challenge(h: Harness) -> None:
    response = h.client.get("/api/submissions/x")
    assert_error(response, 401, "unauthorized", "missing token")
    assert response.headers["www-authenticate"] == "Bearer"


def test_with_no_tokens_file_no_one_can_log_in(tmp_path: Path) -> None:
    h = make_harness(tmp_path, tokens_file=None)
    assert_error(h.upload("tok-prof", [("hw2.py", SOURCE)]), 401, "unauthorized", "invalid token")
    h.assert_nothing_stored()


# ---------------------------------------------------------------- the tokens file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "the top level must map each token"),
        (
            "tok: {role: admin, name: x}\n",
            "entry 1: role: Input should be 'student' or 'instructor'",
        ),
        ("tok: {role: student}\n", "entry 1: name: Field required"),
        ("tok: {role: student, name: x, extra: 1}\n", "entry 1: extra: Extra inputs"),
        ("12345: {role: student, name: x}\n", "entry 1: a token must be a non-empty string"),
        ("tok: [unclosed\n", "cannot read the tokens file"),
    ],
)
def test_a_bad_tokens_file_is_refused_with_its_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(text)
    with pytest.raises(TokenFileError) as caught:
        load_tokens(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_an_empty_tokens_file_lets_no_one_in(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text("")
    assert load_tokens(path) == {}
    assert load_tokens(None) == {}
