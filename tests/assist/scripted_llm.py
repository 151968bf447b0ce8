"""A local scripted OpenAI-compatible chat-completions server for tests: it plays back scripted turns (text,
tool calls — well-formed or not), streamed or not, optionally slowly, or a broken reply (a body that is no
completion, a plain completion to a streaming request, chunks without choices). It says nothing about model quality.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.conftest import free_port


@dataclass
class Turn:
    content: str = ""
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, raw argument text)
    delay_s: float = 0.0
    # broken replies: this body as it is (with `media_type`), a plain completion even to a streaming request, or
    # chunks whose `choices` are empty
    body: str | None = None
    media_type: str = "text/event-stream"
    not_streamed: bool = False
    empty_choices: bool = False


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


class ScriptedServer:
    def __init__(self) -> None:
        self.script: list[Turn] = []
        self.requests: list[dict[str, Any]] = []
        self.port = free_port()
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request):
            body = await request.json()
            self.requests.append(body)
            turn = self.script.pop(0) if self.script else Turn(content="(script exhausted)")
            if turn.delay_s:
                time.sleep(turn.delay_s)
            if turn.body is not None:
                return Response(turn.body, media_type=turn.media_type)
            if turn.empty_choices:
                empty = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "choices": [],
                }
                return Response(
                    f"data: {json.dumps(empty)}\n\ndata: [DONE]\n\n", media_type="text/event-stream"
                )
            if turn.not_streamed or not body.get("stream"):
                message: dict[str, Any] = {"role": "assistant", "content": turn.content or None}
                if turn.tool_calls:
                    message["tool_calls"] = [
                        {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": a}}
                        for i, (n, a) in enumerate(turn.tool_calls)
                    ]
                return JSONResponse(
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "scripted",
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    }
                )

            def events():
                yield _chunk({"role": "assistant", "content": ""})
                for word in turn.content.split(" ") if turn.content else []:
                    yield _chunk({"content": word + " "})
                for i, (name, args) in enumerate(turn.tool_calls):
                    half = len(args) // 2  # arguments arrive in pieces, as real servers send them
                    yield _chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": i,
                                    "id": f"call_{i}",
                                    "type": "function",
                                    "function": {"name": name, "arguments": args[:half]},
                                }
                            ]
                        }
                    )
                    yield _chunk({"tool_calls": [{"index": i, "function": {"arguments": args[half:]}}]})
                yield _chunk({}, "tool_calls" if turn.tool_calls else "stop")
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
