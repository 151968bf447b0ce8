"""Tool over the company's documents: hybrid search of work standards, manuals and inspection standards.

Passages come back with file, page and section so every answer can cite them.
"""

from __future__ import annotations

from sandan.assist.documents import DocumentLibrary
from sandan.assist.registry import Citation, ToolContext, ToolOutput, tool


@tool(
    "search_documents",
    title=("Document search", "문서 검색"),
    en="Search the company's documents (work standards, manuals, inspection standards) for passages",
    ko="회사 문서(작업표준서, 매뉴얼, 검사기준서)에서 관련 내용 찾기",
    parameters={
        "properties": {
            "query": {"type": "string", "description": "what to look for / 찾을 내용"},
            "k": {"type": "integer", "description": "passages / 결과 수 (≤ 10)"},
        },
        "required": ["query"],
    },
    calls="sandan.assist.documents.DocumentLibrary.search",
)
def search_documents_tool(ctx: ToolContext, query: str, k: int = 5) -> ToolOutput:
    library = DocumentLibrary(ctx.settings.data_dir, ctx.company_id)
    hits = library.search(query, max(1, min(int(k), 10)))
    passages = [h.to_dict() for h in hits]
    cites = [
        Citation(
            kind="document",
            label=h.file + (f" p.{h.page}" if h.page else "") + (f" §{h.section}" if h.section else ""),
            file=h.file,
            page=h.page,
            section=h.section,
            document_id=h.document_id,
        )
        for h in hits
    ]
    top = hits[0] if hits else None
    where = (
        (
            top.file
            + (f" p.{top.page}" if top and top.page else "")
            + (f" — {top.section}" if top.section else "")
        )
        if top
        else ""
    )
    # passages that share a word with the question (the embedding side ranks every passage, however far)
    word_matches = sum(h.bm25_rank is not None for h in hits)
    if not hits and not library.list():  # nothing to search yet: say where documents are added
        summary = {
            "en": "no document has been added yet; add work standards, manuals or inspection standards (PDF, Word, "
            "text) on the assistant's Documents page, then ask again",
            "ko": "아직 올린 문서가 없습니다. 도우미의 문서 화면에서 작업 표준, 설명서, 검사 기준(PDF, Word, 텍스트)을 올린 뒤 "
            "다시 물어보세요",
        }
    elif not hits:
        summary = {"en": "no document matches the question", "ko": "질문에 맞는 문서가 없습니다"}
    elif not word_matches:  # only nearness in meaning: say so, it may be far
        summary = {
            "en": f"no passage shares a word with the question; the nearest in meaning: {where}",
            "ko": f"질문과 같은 낱말이 든 문단이 없습니다. 뜻이 가장 가까운 곳: {where}",
        }
    else:
        summary = {
            "en": f"{len(hits)} passage{'s' if len(hits) != 1 else ''} found; best: {where}",
            "ko": f"관련 문단 {len(hits)}개; 가장 가까운 곳: {where}",
        }
    return ToolOutput(
        facts={"files": sorted({h.file for h in hits}), "passages": len(hits), "word_matches": word_matches},
        summary=summary,
        passages=passages,
        citations=cites,
    )
