"""Writes the binary fixture documents (DOCX, PDF) in tests/assist/docs/; run it after changing their text.

The PDF is written by hand (two pages, Helvetica) so that no PDF-writing library is needed.
"""

from __future__ import annotations

from pathlib import Path

import docx

DOCS = Path(__file__).parent / "docs"

PRESS_STANDARD = [
    ("프레스 검사기준서 (IS-PRS-02)", "title"),
    ("1. 초품 검사", "h"),
    ("작업 시작, 금형 교체, 코일 로트 변경 때마다 초품 3개를 검사하고 합격해야 양산을 시작한다.", "p"),
    ("2. 버(burr) 높이", "h"),
    ("버 높이는 0.1 mm 이하로 한다. 버가 0.1 mm를 넘으면 펀치와 다이의 클리어런스와 마모를 점검한다.", "p"),
    ("3. 균열과 주름", "h"),
    (
        "성형부 균열은 한 개라도 있으면 불합격이다. 주름은 플랜지부에서 0.3 mm 이하만 허용한다. "
        "균열이 늘면 윤활량과 블랭크 홀더 압력을 확인한다.",
        "p",
    ),
    ("4. 금형 점검 주기", "h"),
    ("프레스 금형은 5,000타마다 펀치 마모와 다이 날 상태를 점검하고 점검 기록을 남긴다.", "p"),
]
TORQUE_STANDARD = [
    ("Fastening and press-fit standard (WS-ASM-04)", "title"),
    ("Tightening torque", "h"),
    (
        "Tighten the M6 cover screws to 9.5 ± 1.0 N·m with the nutrunner; the final angle must lie between 20 and 60 "
        "degrees. A joint outside the torque or angle window is rejected automatically.",
        "p",
    ),
    ("Press fit", "h"),
    (
        "The bearing press-fit force must stay between 15 and 22 kN. Below 15 kN the bearing can walk out; above 22 kN "
        "the housing can crack.",
        "p",
    ),
    ("Audit", "h"),
    (
        "Check one unit in 50 with the calibrated torque wrench (breakaway method) and record it. "
        "체결 토크 감사는 50대 중 1대를 교정된 토크렌치로 확인한다.",
        "p",
    ),
]
PDF_PAGES = [
    [
        "FORGING PRESS MAINTENANCE MANUAL",
        "1. Daily checks",
        "Check the hydraulic oil level and temperature before the first stroke.",
        "Oil temperature must stay between 35 and 55 C during production.",
        "2. Die lubrication",
        "Spray graphite die lubricant every stroke; a blocked nozzle causes die sticking and laps.",
    ],
    [
        "3. Periodic maintenance",
        "Replace the hydraulic oil filter every 2000 operating hours.",
        "Inspect the clutch and brake every 6 months and after any overload stop.",
        "4. Breakdown response",
        "After a hydraulic pump alarm stop the press, lock out the power and call maintenance.",
    ],
]


def _docx(path: Path, paragraphs: list[tuple[str, str]]) -> None:
    d = docx.Document()
    for text, kind in paragraphs:
        if kind == "title":
            d.add_heading(text, level=0)
        elif kind == "h":
            d.add_heading(text, level=1)
        else:
            d.add_paragraph(text)
    d.save(path)


def _pdf(path: Path, pages: list[list[str]]) -> None:
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    font_id = 3 + 2 * n_pages
    for i, lines in enumerate(pages):
        content = (
            "BT /F1 11 Tf 50 780 Td 14 TL "
            + " ".join(
                "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*"
                for line in lines
            )
            + " ET"
        )
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def main() -> None:
    _docx(DOCS / "프레스_검사기준서.docx", PRESS_STANDARD)
    _docx(DOCS / "assembly_torque_standard.docx", TORQUE_STANDARD)
    _pdf(DOCS / "forging_press_maintenance.pdf", PDF_PAGES)


if __name__ == "__main__":
    main()
