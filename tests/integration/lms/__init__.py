"""An LTI 1.3 platform (a small LMS) on 127.0.0.1 for the tool's integration tests.

``LmsEmulator`` is a real HTTP server (Starlette under uvicorn, in a background thread of
the test process) that plays the platform's side against the tool at ``tool_url``:

- OIDC third-party login: a launch page (``launch_url``) that posts the login initiation
  to ``{tool_url}/lti/login``, and the authorization endpoint ``/auth`` that answers with
  an id_token posted back to ``{tool_url}/lti/launch`` (``response_mode=form_post``);
- its key set at ``/jwks`` (RS256, ``kid`` in every header; ``rotate_key``);
- OAuth2 client credentials with a JWT client assertion at ``/token`` (RFC 7523), checked
  against the tool's key set ``{tool_url}/lti/jwks``;
- Assignment and Grade Services (line items, scores, results) and Names and Role
  Provisioning Services (memberships, paginated on demand);
- the Deep Linking return ``/deep_link_return``;
- Platform Storage (LTI Client Side postMessages 0.1): ``lti.capabilities``,
  ``lti.put_data`` and ``lti.get_data``, answered by the launch page or a named frame.

It shares no code with the package ``lti``: it is the other side, written from the specs
(LTI Core 1.3, Security Framework 1.0, AGS 2.0, NRPS 2.0, Deep Linking 2.0, Client Side
postMessages 0.1), so that a misreading in one is not copied into the other.

Everything a test needs to look at is recorded in ``requests`` (``Recorded``, in order).
Its state survives ``stop()``/``start()``, which reopen the same port: between the two,
connections are refused, like an LMS that is down.

Modules, one part of the LMS each (``LmsEmulator`` is their mixins put together):
platform (identity, addresses), server (uvicorn thread), recording (the request log),
keys (signing keys, /jwks), course (members, links, line items, gradebook), launches,
tokens (id_token claims, tampers), oidc (launch page, /auth), storage (platform storage),
oauth (/token, access tokens), services (what AGS and NRPS share), ags, nrps,
deep_linking (/deep_link_return), pages (HTML), vocabulary (spec URIs and media types).
"""

from tests.integration.lms.ags import ACTIVITY, GRADING
from tests.integration.lms.emulator import LmsEmulator
from tests.integration.lms.launches import LaunchRequest
from tests.integration.lms.pages import Form, form_fields
from tests.integration.lms.recording import Recorded
from tests.integration.lms.tokens import (
    SHORT_CLAIMS,
    TOKEN_LIFETIME,
    IssuedToken,
    Tamper,
    alg_none,
    expired,
    not_yet_valid,
    unknown_deployment,
    with_claims,
    wrong_audience,
    wrong_issuer,
)
from tests.integration.lms.vocabulary import (
    ADMINISTRATOR,
    AGS_CLAIM,
    AGS_SCOPE,
    ALL_SCOPES,
    ASSERTION_TYPE,
    COURSE_OFFERING,
    DEEP_LINKING_REQUEST,
    DEEP_LINKING_RESPONSE,
    DL,
    INSTRUCTOR,
    LEARNER,
    LINEITEM_TYPE,
    LINEITEMS_TYPE,
    LTI,
    MEMBERSHIP,
    MEMBERSHIPS_TYPE,
    NRPS_CLAIM,
    RESOURCE_LINK_REQUEST,
    RESULTS_TYPE,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_MEMBERSHIPS,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCORE_TYPE,
    TEACHING_ASSISTANT,
)

__all__ = [
    "ACTIVITY",
    "ADMINISTRATOR",
    "AGS_CLAIM",
    "AGS_SCOPE",
    "ALL_SCOPES",
    "ASSERTION_TYPE",
    "COURSE_OFFERING",
    "DEEP_LINKING_REQUEST",
    "DEEP_LINKING_RESPONSE",
    "DL",
    "GRADING",
    "INSTRUCTOR",
    "LEARNER",
    "LINEITEMS_TYPE",
    "LINEITEM_TYPE",
    "LTI",
    "MEMBERSHIP",
    "MEMBERSHIPS_TYPE",
    "NRPS_CLAIM",
    "RESOURCE_LINK_REQUEST",
    "RESULTS_TYPE",
    "SCOPE_LINEITEM",
    "SCOPE_LINEITEM_READONLY",
    "SCOPE_MEMBERSHIPS",
    "SCOPE_RESULT_READONLY",
    "SCOPE_SCORE",
    "SCORE_TYPE",
    "SHORT_CLAIMS",
    "TEACHING_ASSISTANT",
    "TOKEN_LIFETIME",
    "Form",
    "IssuedToken",
    "LaunchRequest",
    "LmsEmulator",
    "Recorded",
    "Tamper",
    "alg_none",
    "expired",
    "form_fields",
    "not_yet_valid",
    "unknown_deployment",
    "with_claims",
    "wrong_audience",
    "wrong_issuer",
]
