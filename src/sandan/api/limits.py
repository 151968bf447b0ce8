"""How large a request body may be, checked as it arrives: a 438 MB JSON body was parsed whole (3.5 GB of memory,
every other user's request stalled 10 s) before the record count refused it, and a multi-gigabyte upload was
spooled to disk whole before its size was."""

from __future__ import annotations

import contextlib
from typing import Any

from sandan.api.errors import error_response
from sandan.collect.uploads import MAX_UPLOAD_BYTES

#: a file upload (multipart): the largest file the import takes, and room for the form around it
MAX_UPLOAD_BODY = MAX_UPLOAD_BYTES + (16 << 20)
#: any other body: 200,000 part records with their settings and measurements fit several times over
MAX_BODY = 128 << 20


class _TooLarge(Exception):
    pass


def _refusal(limit: int) -> Any:
    mb = limit >> 20
    return error_response(
        413,
        "body_too_large",
        f"the request is larger than {mb} MB; send fewer records at a time (at most 200,000 a request), or a file "
        "through the import",
        f"요청이 {mb} MB보다 큽니다. 한 번에 보내는 레코드를 줄이거나(요청당 최대 200,000건) 파일 가져오기를 쓰세요",
    )


class BodyLimit:
    """ASGI middleware refusing (413 `body_too_large`) a body over its limit: at once when its Content-Length says
    so, else as soon as the bytes received pass it (a chunked body), before the endpoint reads on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        limit = MAX_UPLOAD_BODY if multipart else MAX_BODY
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refusal(limit)(scope, receive, send)
            return
        received = 0
        started = exceeded = False

        async def counted() -> dict[str, Any]:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def watched(message: dict[str, Any]) -> None:
            nonlocal started
            # the app's own answer to the read it could not finish ("body could not be read") gives way to ours
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        # raised from the read; the app may also have turned it into its own answer, which `watched` held back
        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, watched)
        if exceeded and not started:
            await _refusal(limit)(scope, receive, send)
