"""A small xAPI client for pulling statements from (and, in tests, posting them to) an LRS.

Paging follows the LRS's ``more`` links. The cursor is the id of the last statement taken:
Ralph pages with ``search_after=<statement id>`` and returns statements in the order it
stored them, so the next pull asks for the statements after that one.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

XAPI_VERSION = "1.0.3"


class LrsUnavailable(Exception):
    """The LRS did not answer usefully (down, refusing, or answering garbage)."""


class LrsClient:
    def __init__(self, url: str, username: str, password: str, timeout: float = 60) -> None:
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": XAPI_VERSION,
        }
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> LrsClient:
        return cls(
            settings.PROFICIO_LRS_URL,
            settings.PROFICIO_LRS_USERNAME,
            settings.PROFICIO_LRS_PASSWORD,
        )

    def _call(self, method: str, url: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise LrsUnavailable(f"The LRS answered {exc.code} {exc.reason}.") from None
        except (OSError, ValueError) as exc:
            raise LrsUnavailable(f"The LRS could not be reached: {exc}.") from None
        try:
            return json.loads(payload) if payload else None
        except ValueError:
            raise LrsUnavailable("The LRS answered something that is not JSON.") from None

    def page(self, after: str, limit: int) -> tuple[list[Any], str]:
        """The statements stored after statement ``after`` ("" = from the start), and the
        cursor for the next page ("" when this was the last)."""
        query = {"limit": str(limit)}
        if after:
            query["search_after"] = after
        answer = self._call("GET", f"{self.url}/statements?{urllib.parse.urlencode(query)}")
        if not isinstance(answer, dict) or not isinstance(answer.get("statements"), list):
            raise LrsUnavailable("The LRS's answer has no statements list.")
        more = answer.get("more") or ""
        following = ""
        if more:
            params = urllib.parse.parse_qs(urllib.parse.urlsplit(more).query)
            following = (params.get("search_after") or [""])[0]
        return answer["statements"], following

    def post(self, statements: list[dict[str, Any]]) -> list[str]:
        ids = self._call("POST", f"{self.url}/statements", statements)
        return [str(i) for i in ids or []]
