"""Platform Storage (LTI Client Side postMessages 0.1): the script that answers
``lti.capabilities``, ``lti.put_data`` and ``lti.get_data`` in the launch page or a named
frame, and logs every message to /storage_log (recorded as kind "storage")."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from tests.integration.lms.pages import page
from tests.integration.lms.recording import RequestLog

# %(target)s: the frame named in lti.capabilities; %(where)s: this frame; %(keeps)s:
# whether it stores data; %(log)s: where messages are logged (all JSON values).
STORAGE_JS = """
(function () {
  var target = %(target)s, where = %(where)s, keeps = %(keeps)s, logUrl = %(log)s;
  var stores = {};
  function answer(event, message) {
    var subject = message.subject;
    var response = {subject: subject + ".response", message_id: message.message_id};
    if (!message.message_id) {
      response.error = {code: "bad_request", message: "There is no message_id"};
    } else if (subject === "lti.capabilities") {
      response.supported_messages = [{subject: "lti.capabilities"},
        {subject: "lti.put_data", frame: target}, {subject: "lti.get_data", frame: target}];
    } else if ((subject === "lti.put_data" || subject === "lti.get_data") && keeps) {
      if (typeof message.key !== "string" || !message.key) {
        response.error = {code: "bad_request", message: "There is no key"};
        return response;
      }
      var store = stores[event.origin] = stores[event.origin] || {};
      response.key = message.key;
      if (subject === "lti.put_data") {
        if (message.value === null || message.value === undefined) { delete store[message.key]; }
        else { store[message.key] = message.value; }
        response.value = message.value;
      } else {
        response.value = Object.prototype.hasOwnProperty.call(store, message.key)
          ? store[message.key] : null;
      }
    } else {
      response.error = {code: "unsupported_subject",
        message: "Subject '" + subject + "' is not answered by frame " + where};
    }
    return response;
  }
  window.addEventListener("message", function (event) {
    var message = event.data;
    if (!message || typeof message !== "object" || typeof message.subject !== "string") return;
    if (message.subject.indexOf("lti.") !== 0 || /\\.response$/.test(message.subject)) return;
    var response = answer(event, message);
    event.source.postMessage(response, event.origin === "null" ? "*" : event.origin);
    fetch(logUrl, {method: "POST", headers: {"Content-Type": "application/json"}, keepalive: true,
      body: JSON.stringify({frame: where, origin: event.origin, message: message,
                            response: response})});
  });
})();
"""


class Storage(RequestLog):
    """The storage frame page and the message log; ``_storage_js`` for the launch page."""

    async def _storage_frame(self, request: Request) -> Response:
        record = await self._start(request, "storage_frame")
        name = request.query_params.get("frame", "")
        script = self._storage_js(name, name, keeps=True)
        return self._done(record, page("Platform storage", f"<script>{script}</script>"))

    async def _storage_log(self, request: Request) -> Response:
        record = await self._start(request, "storage")
        return self._done(record, Response(status_code=204))

    def _storage_js(self, target: str, where: str, keeps: bool) -> str:
        values = {"target": target, "where": where, "keeps": keeps, "log": "/storage_log"}
        return STORAGE_JS % {k: json.dumps(v) for k, v in values.items()}
