"""``LmsEmulator``: the parts of the LMS (one mixin per module) put together, and the
URL map of its Starlette app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from tests.integration.lms.ags import Ags
from tests.integration.lms.deep_linking import DeepLinking
from tests.integration.lms.nrps import Nrps
from tests.integration.lms.oidc import Oidc
from tests.integration.lms.platform import free_port
from tests.integration.lms.server import Server
from tests.integration.lms.vocabulary import COURSE_OFFERING


class LmsEmulator(Oidc, Ags, Nrps, DeepLinking, Server):
    """One LMS with one course. ``with LmsEmulator(tool_url=...) as lms:`` starts it.

    ``url`` (``http://127.0.0.1:<port>``, the issuer) is fixed at construction, so
    ``registration()`` can be written into the tool's config before either starts.
    ``host="localhost"`` names it differently (it still listens on 127.0.0.1 only), so
    that it and a tool at 127.0.0.1 are different sites for the browser: the tool in
    the course page's iframe is then third-party, and its Lax cookies stay home.

    Switches and knobs a test may set at any time: ``next_token_tamper``, ``clock``,
    ``allowed_scopes``, ``access_token_lifetime``, ``members_page_size``,
    ``lineitems_page_size``, ``strict_accept``.
    """

    def __init__(
        self,
        tool_url: str,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        client_id: str = "grader-tool",
        deployment_ids: tuple[str, ...] = ("deployment-1",),
        context_id: str = "course-1",
        context_title: str = "Machine Learning 101",
        context_label: str = "ML101",
    ) -> None:
        self.tool_url = tool_url.rstrip("/")
        self.port = port or free_port()
        self.url = f"http://{host}:{self.port}"
        self.client_id = client_id
        self.deployment_ids = list(deployment_ids)
        self.context = {
            "id": context_id,
            "label": context_label,
            "title": context_title,
            "type": [COURSE_OFFERING],
        }
        super().__init__()
        self._app = Starlette(routes=self._routes())

    def _routes(self) -> list[Route]:
        course = "/courses/{course}"
        return [
            Route("/jwks", self._jwks_endpoint),
            Route("/launch/{launch_id}", self._launch_page),
            Route("/storage_frame", self._storage_frame),
            Route("/storage_log", self._storage_log, methods=["POST"]),
            Route("/auth", self._auth_endpoint, methods=["GET", "POST"]),
            Route("/token", self._token_endpoint, methods=["POST"]),
            Route(course + "/lineitems", self._lineitems_endpoint, methods=["GET", "POST"]),
            Route(course + "/lineitems/{n}", self._lineitem_endpoint),
            Route(course + "/lineitems/{n}/scores", self._scores_endpoint, methods=["POST"]),
            Route(course + "/lineitems/{n}/results", self._results_endpoint),
            Route(course + "/memberships", self._memberships_endpoint),
            Route("/deep_link_return", self._deep_link_return, methods=["POST"]),
        ]
