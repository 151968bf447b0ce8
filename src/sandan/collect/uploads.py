"""Uploaded files kept for import: one folder per company and upload under the data folder, shared by the API and
the web pages so a file previewed in one can be imported from the other. It stores bytes; it does not parse them.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from sandan.domain import InvalidInput, NotFound

MAX_UPLOAD_BYTES = 1 << 30  # 1 GiB; bigger histories are better loaded as Parquet by the CLI
_CHUNK = 1 << 20
UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")


def _folder(data_dir: Path, company_id: str) -> Path:
    return data_dir / "uploads" / company_id


def safe_name(filename: str | None) -> str:
    """Only the last path part, and only characters harmless on every file system (Korean kept)."""
    name = Path(filename or "upload").name
    name = re.sub(r"[^\w.\-가-힣]+", "_", name).strip("._") or "upload"
    return name[:120]


def save_upload(data_dir: Path, company_id: str, filename: str | None, stream: BinaryIO) -> tuple[str, Path]:
    """Copy an upload to disk in chunks; returns (upload id, path). Empty or over-large files are refused."""
    upload_id = secrets.token_hex(8)
    folder = _folder(data_dir, company_id) / upload_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_name(filename)
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                break
            out.write(chunk)
    if size > MAX_UPLOAD_BYTES:
        shutil.rmtree(folder, ignore_errors=True)
        raise InvalidInput(
            f"the file is larger than {MAX_UPLOAD_BYTES >> 20} MB; split it or import it with the CLI",
            f"파일이 {MAX_UPLOAD_BYTES >> 20} MB보다 큽니다. 나누어 올리거나 명령줄(CLI)로 가져오세요",
            code="file_too_large",
        )
    if size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        name = safe_name(filename)
        raise InvalidInput(
            f"the uploaded file is empty ({name}, 0 bytes): it has no header row and no data; choose the file "
            "again, or export the sheet again with its header row",
            f"올린 파일이 비어 있습니다({name}, 0바이트). 머리글 행도 데이터도 없습니다. 파일을 다시 고르거나, 머리글 "
            "행을 포함해 다시 내보내세요",
            code="empty_file",
            file=name,
        )
    return upload_id, path


def uploaded_file(data_dir: Path, company_id: str, upload_id: str) -> Path:
    """The file of an earlier upload of this company (another company's id is simply not found)."""
    folder = _folder(data_dir, company_id) / upload_id
    files = sorted(folder.iterdir()) if UPLOAD_ID.match(upload_id) and folder.is_dir() else []
    if not files:
        raise NotFound(
            f"upload {upload_id!r} not found; upload the file again",
            f"업로드 {upload_id!r}을(를) 찾을 수 없습니다. 파일을 다시 올리세요",
            code="upload_not_found",
        )
    return files[0]
