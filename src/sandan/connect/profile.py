"""Company profiles: processes, machines, certifications, capacity, needs, offerings, references, and consent.

Plain pydantic models; persistence is in `profile_store`, ranking in `matching`.
"""

from __future__ import annotations

import re
import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandan.domain import ProcessFamily

#: What a need or an offering is about: (English, Korean, keyword pattern in both languages).
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "quality_ai": (
        "Quality AI / scrap reduction",
        "품질 AI / 불량 저감",
        r"불량|스크랩|폐기|수율|품질\s*(예측|분석|ai)|defect|scrap|yield|quality\s*(prediction|analytics|ai)|reject",
    ),
    "vision_inspection": (
        "Vision inspection",
        "비전 검사",
        r"비전|외관|카메라|영상|자동\s*검사|vision|camera|visual\s*inspection|aoi|surface\s*inspection",
    ),
    "connectivity": (
        "Machine connectivity and data collection",
        "설비 연결과 데이터 수집",
        r"연결|연동|수집|opc\s*ua|modbus|mqtt|plc|게이트웨이|iot|센서\s*부착|connect|data\s*(collection|acquisition)|gateway|retrofit",
    ),
    "predictive_maintenance": (
        "Predictive maintenance",
        "예지 보전",
        r"예지\s*보전|고장\s*예측|진동|베어링|수명|돌발\s*정지|predictive|breakdown|vibration|remaining useful|condition monitoring|unplanned (stop|downtime)",
    ),
    "scheduling_mes": (
        "Scheduling and MES",
        "생산 계획과 MES",
        r"일정|스케줄|생산\s*계획|작업\s*지시|납기|mes\b|schedul|production plan|work order|due date|lead time",
    ),
    "energy": (
        "Energy management",
        "에너지 관리",
        r"에너지|전력|전기\s*요금|압축\s*공기|피크|energy|power (use|consumption|bill)|compressed air|peak load",
    ),
    "process_optimization": (
        "Process setting optimisation",
        "공정 조건 최적화",
        r"공정\s*조건|성형\s*조건|사출\s*조건|가공\s*조건|조건\s*최적|레시피|세팅|optimi[sz]|process (setting|parameter|window)|recipe|set ?point",
    ),
    "automation_robotics": (
        "Automation and robotics",
        "자동화와 로봇",
        r"자동화|로봇|협동\s*로봇|취출|로딩|언로딩|무인|automat|robot|cobot|pick and place|loading|unloading",
    ),
    "digital_twin": (
        "Simulation and line design",
        "시뮬레이션과 라인 설계",
        r"시뮬레이션|디지털\s*트윈|레이아웃|라인\s*(설계|밸런싱)|병목|증설|simulation|digital twin|layout|line (design|balancing)|bottleneck|capacity planning",
    ),
    "tooling": (
        "Moulds, dies and tooling",
        "금형과 공구",
        r"금형|다이|펀치|공구|인서트|마모|mou?ld|\bdies?\b|punch|tooling|insert|tool wear|regrind",
    ),
    "safety": (
        "Safety",
        "안전",
        r"안전|끼임|협착|라이트\s*커튼|safety|light curtain|guarding|accident",
    ),
}


def infer_categories(text: str) -> list[str]:
    """Categories whose keywords occur in `text`, most keyword hits first."""
    hits = []
    for key, (_, _, pattern) in CATEGORIES.items():
        n = len(re.findall(pattern, text, re.IGNORECASE))
        if n:
            hits.append((n, key))
    return [k for _, k in sorted(hits, key=lambda h: -h[0])]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MachineEntry(_Item):
    kind: str = Field(max_length=100, description="e.g. 150 t injection moulding machine")
    family: ProcessFamily = ProcessFamily.other
    count: int = Field(default=1, ge=0, le=10_000)
    maker: str = Field(default="", max_length=100)
    controller: str = Field(default="", max_length=100, description="e.g. Fanuc, Siemens S7, none")


class Need(_Item):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])
    text: str = Field(min_length=1, max_length=1000)
    categories: list[str] = Field(default_factory=list)
    families: list[ProcessFamily] = Field(default_factory=list)

    @field_validator("categories")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in CATEGORIES]
        if bad:
            raise ValueError(f"unknown categories {bad}; use {', '.join(CATEGORIES)}")
        return v


class Offering(_Item):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    categories: list[str] = Field(default_factory=list)
    families: list[ProcessFamily] = Field(default_factory=list, description="empty = any process")

    @field_validator("categories")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        return Need._known(v)


class Reference(_Item):
    customer: str = Field(max_length=200, description="who (may be anonymised)")
    family: ProcessFamily = ProcessFamily.other
    category: str = ""
    result: str = Field(default="", max_length=500)


class Profile(_Item):
    """What a company tells the complex about itself. `listed` puts it in the partner directory (public card:
    name, processes, certifications, offerings, references, listed needs); `share_measured` consents to showing
    capability measured on the platform (machine types, OEE, defect rate) to matched partners."""

    company_id: str
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(default="demand", pattern="^(demand|supplier|both)$")
    region: str = Field(default="", max_length=100)
    processes: list[ProcessFamily] = Field(default_factory=list)
    machines: list[MachineEntry] = Field(default_factory=list)
    certifications: list[str] = Field(default_factory=list)
    capacity: str = Field(default="", max_length=500, description="e.g. 2 shifts, 40 % spare press capacity")
    contact: str = Field(
        default="",
        max_length=300,
        description="who a matched partner calls or writes to: name, phone, e-mail",
    )
    needs: list[Need] = Field(default_factory=list)
    offerings: list[Offering] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    listed: bool = False
    share_measured: bool = False

    def public_card(self) -> dict:
        """What another company may see of this profile (never capacity, machines or unlisted details)."""
        return {
            "company_id": self.company_id,
            "name": self.name,
            "role": self.role,
            "region": self.region,
            "contact": self.contact,
            "processes": [p.value for p in self.processes],
            "certifications": self.certifications,
            "offerings": [o.model_dump(mode="json") for o in self.offerings],
            "references": [r.model_dump(mode="json") for r in self.references],
        }
