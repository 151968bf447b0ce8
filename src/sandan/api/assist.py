"""The assistant's API: ask (JSON or Server-Sent Events), documents upload/list/delete, the two guided flows,
confirmation of pending actions, and the tool list. Routes call sandan.assist and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from sandan.accounts import audit
from sandan.api.deps import ReadTenant, Tenant, WriteTenant, company_router
from sandan.api.errors import unexpected_error
from sandan.assist.assistant import Assistant
from sandan.assist.documents import MAX_BYTES, DocumentLibrary
from sandan.assist.flows import run_flow
from sandan.assist.registry import PERIODS
from sandan.domain import SandanError

router: APIRouter = company_router("assist")

Lang = Literal["ko", "en"]
Period = Literal[tuple(PERIODS)]  # type: ignore[valid-type]


def assistant_for(t: Tenant) -> Assistant:
    return Assistant(t.store, t.company_id, t.settings)


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000, description="the question, Korean or English / 질문")
    lang: Lang = "ko"


@router.post("/assist/ask")
def ask(body: AskIn, t: ReadTenant) -> dict[str, Any]:
    """A cited answer: mode (no_llm | llm | llm_fallback), text, notices, tool steps with tables and chart data,
    citations (tool calls and document passages), recommendations, pending actions and the safety check."""
    return assistant_for(t).ask(body.question, body.lang).to_dict()


def _sse(events: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    """The events as Server-Sent Events; a failure ends the stream with an `error` event in the API's error shape
    (the response has begun, so its status cannot say it): a project error as it is, any other one generically,
    its traceback logged under an incident id, as the API's other routes do."""
    try:
        for event in events:
            event = {k: v for k, v in event.items() if k != "answer_obj"}
            kind = event.pop("event")
            yield f"event: {kind}\ndata: {json.dumps(event, ensure_ascii=False, default=str)}\n\n".encode()
    except SandanError as exc:
        yield f"event: error\ndata: {json.dumps(exc.to_dict(), ensure_ascii=False)}\n\n".encode()
    except Exception:
        said = unexpected_error("while streaming an assistant answer")
        yield f"event: error\ndata: {json.dumps(said.to_dict(), ensure_ascii=False)}\n\n".encode()


@router.post("/assist/ask/stream", response_class=StreamingResponse)
def ask_stream(body: AskIn, t: ReadTenant) -> StreamingResponse:
    """The same answer as Server-Sent Events: `status`, `delta` (model text as it is written), `step`, `notice`,
    then `answer` (the full answer) — or `error`."""
    return StreamingResponse(
        _sse(assistant_for(t).stream(body.question, body.lang)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/assist/tools")
def tools(t: ReadTenant) -> list[dict[str, Any]]:
    """The tools the assistant may call, with their parameters and whether they change anything."""
    return [
        {
            "name": x.name,
            "description": x.description,
            "parameters": x.parameters,
            "writes": x.writes,
            "calls": x.calls,
        }
        for x in assistant_for(t).registry
    ]


# ---- documents ---------------------------------------------------------------------------------------------
@router.get("/assist/documents")
def list_documents(t: ReadTenant) -> list[dict[str, Any]]:
    """This company's documents (work standards, manuals, inspection standards)."""
    return [d.__dict__ for d in DocumentLibrary(t.settings.data_dir, t.company_id).list()]


@router.post("/assist/documents", status_code=201)
def upload_document(
    t: WriteTenant, file: Annotated[UploadFile, File(description="PDF, DOCX, TXT or MD file")]
) -> dict[str, Any]:
    """Add a document; it is split into passages and indexed for the assistant (a same-named file is replaced)."""
    info = DocumentLibrary(t.settings.data_dir, t.company_id).add(
        file.filename or "", file.file.read(MAX_BYTES + 1), t.user_id
    )
    audit(t.store, t.principal, t.company_id, "assist.document_add", info.id, info.name)
    return info.__dict__


@router.delete("/assist/documents/{item_id}", status_code=204)
def delete_document(item_id: str, t: WriteTenant) -> None:
    """Remove a document (`item_id` is the document id from the list)."""
    library = DocumentLibrary(t.settings.data_dir, t.company_id)
    name = library.get(item_id).name
    library.delete(item_id)
    audit(t.store, t.principal, t.company_id, "assist.document_delete", item_id, name)


# ---- flows and actions -------------------------------------------------------------------------------------
class FlowIn(BaseModel):
    machine_id: str | None = None
    line_id: str | None = None
    period: Period = "last_7d"
    lang: Lang = "ko"


@router.post("/assist/flows/quality")
def quality_flow(body: FlowIn, t: ReadTenant) -> dict[str, Any]:
    """Quality control: did scrap rise, where, which defects, which lot, which parameter, SPC, what to change."""
    return run_flow(assistant_for(t), "quality", **body.model_dump())


@router.post("/assist/flows/production")
def production_flow(body: FlowIn, t: ReadTenant) -> dict[str, Any]:
    """Production process: bottleneck, downtime, what-if (when the twin is installed), maintenance."""
    return run_flow(assistant_for(t), "production", **body.model_dump())


class ConfirmIn(BaseModel):
    action_id: str = Field(min_length=1, max_length=64)


@router.post("/assist/actions/confirm")
def confirm_action(body: ConfirmIn, t: WriteTenant) -> dict[str, Any]:
    """A person confirms a pending action the assistant proposed; only now is it carried out (and audited)."""
    result = assistant_for(t).confirm(body.action_id, t.user_id)
    audit(t.store, t.principal, t.company_id, "assist.confirm", body.action_id, json.dumps(result)[:500])
    return result
