"""Names and Role Provisioning Services 2.0: the course's memberships, paginated when
``members_page_size`` is set or the tool asks for a ``limit``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.integration.lms.course import Course
from tests.integration.lms.recording import Refused
from tests.integration.lms.services import CourseService, paginate
from tests.integration.lms.vocabulary import MEMBERSHIPS_TYPE, SCOPE_MEMBERSHIPS


class Nrps(CourseService, Course):
    """``/courses/{course}/memberships``."""

    def __init__(self) -> None:
        super().__init__()
        self.members_page_size: int | None = None

    async def _memberships_endpoint(self, request: Request) -> Response:
        record = await self._start(request, "memberships")
        try:
            self._check_course(request)
            self._check_bearer(request, SCOPE_MEMBERSHIPS)
            self._check_accept(request, MEMBERSHIPS_TYPE)
        except Refused as error:
            return self._refuse(record, error)
        members, link = paginate(list(self.users.values()), request, self.members_page_size)
        context = {k: self.context[k] for k in ("id", "label", "title")}
        body = {"id": str(request.url), "context": context, "members": members}
        response = JSONResponse(
            body, media_type=MEMBERSHIPS_TYPE, headers={"Link": link} if link else None
        )
        return self._done(record, response, page_size=len(members), next=link)
