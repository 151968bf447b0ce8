"""Routing a Korean or English question to a tool without a language model: keyword patterns per tool, and
extraction of machine, line, period, grouping, signal and characteristic from the company's own asset names.

It only chooses a tool and its arguments; the tool computes the answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandan.assist.dates import find_dates, find_span, with_particle
from sandan.domain import Machine
from sandan.domain.korean import particle
from sandan.domain.text import shown_name, split_name
from sandan.monitor.codes import CodeTable
from sandan.store import Store

# "제일 높은 설비", "which machine … highest": every machine, so the answer can name the worst
WHICH_MACHINE = (
    r"(제일|가장)\s*\S*\s*(설비|기계|호기)|어느\s*(설비|기계)|어떤\s*(설비|기계)|which\s+machines?"
)

# tool -> [(pattern, weight)]; patterns are matched case-insensitively on the question.
RULES: dict[str, list[tuple[str, float]]] = {
    "list_machines": [
        (r"설비\s*(목록|리스트|현황)|기계\s*(목록|리스트)|어떤\s*(설비|기계)|설비(가|는)?\s*(몇|무엇|뭐)", 3),
        (
            r"\b(list|which|what)\b.*\bmachines?\b|\bmachines?\b.*\b(list|do we have|are there)\b|how many machines",
            3,
        ),
    ],
    "oee": [
        (r"\boee\b|설비\s*종합\s*효율|종합\s*효율|설비효율", 4),
        (
            r"가동률|가동\s*효율|효율|\befficien(t|cy)\b|\bavailability\b|\bperformance\b|성능\s*효율|\butili[sz]ation\b",
            2,
        ),
        (r"제일\s*느린|가장\s*느린|slowest", 3),
    ],
    # the twin's active-period bottleneck of a line, not the machine with the lowest OEE
    "line_bottleneck": [(r"병목|bottlenecks?|constraint of the line|발목", 5)],
    "defect_rate": [
        (
            r"불량률|불량\s*비율|폐기율|스크랩\s*(률|율|비율)|\bdefect\s*rates?\b|\bscrap\s*rates?\b|\breject\s*rates?\b|수율|\byield\b",
            4,
        ),
        (r"불량|스크랩|\bscrap\b|\bdefects?\b|\bng\b|\brejects?\b", 1),
        # "how many parts did … scrap", "불량 몇 개": a count of scrap, not of production
        (
            r"how many\b.*\b(scrap(ped)?|defect(s|ive)?|reject(s|ed)?)\b|불량\S*\s*(이|가)?\s*몇\s*개|몇\s*개\S*\s*불량",
            3,
        ),
        (r"로트|\blots?\b|직행률|first[- ]pass", 1.5),
        # "which machine had the most scrap", "불량이 가장 많은 설비": the machines' scrap side by side, not the
        # machine list nor the defect types
        (
            # (a question about the cause is not: "어느 설비가 불량 원인이야?")
            rf"^(?!.*(?:원인|이유|\bwhy\b|\bcause)).*(?:(?:{WHICH_MACHINE}).*(?:불량|스크랩|scrap|defect|reject)|"
            rf"(?:불량|스크랩|scrap|defect|reject).*(?:{WHICH_MACHINE}))",
            5,
        ),
    ],
    "production": [
        (
            r"생산량|생산\s*(수량|실적|현황|개수)|몇\s*개(나|를|가)?\s*(만들|생산|찍|뽑|나왔)|만든\s*(개수|수량|게|것)|"
            r"\bproduction\b|\boutput\b|\bproduced\b|how many (parts|pieces|units)|(parts|pieces|units) (made|produced)",
            4,
        ),
    ],
    "defect_pareto": [
        (r"파레토|pareto", 5),
        (
            r"불량\s*(유형|종류|원인별|항목)|어떤\s*불량|주요\s*불량|가장\s*많은\s*불량|불량이?\s*가장\s*많|top\s*defects?|defect\s*types?|kinds? of defects?|most (common|frequent) defects?|which defects?",
            4,
        ),
    ],
    "downtime_pareto": [
        (
            r"비가동|(?<![측공])정지(?![점표])|멈[추춘췄춰]|고장|다운\s*타임|downtime|down\s*time|breakdowns?|stoppages?|stops?\b|why .*\bstop",
            4,
        ),
        (r"정비|보전|유지\s*보수|maintenance|수리|repair", 3),
        # a kind of stop and its time: "작업준비 시간", "대기 시간", "setup time", "changeovers"
        (
            r"(작업\s*준비|준비\s*작업|셋업|금형\s*교체|품종\s*교체|대기)\s*(시간|이력|사유|횟수)|"
            r"\b(set-?up|changeover|idle|waiting)\s*(time|hours|history|reasons?)\b|\bchangeovers\b",
            4,
        ),
        # "비가동 파레토": a Pareto of stops, not of defects (the bare word Pareto leans to defects)
        (
            r"(비가동|정지|고장|다운\s*타임|downtime|down\s*time|stops?|stoppages?)\W*(\w+\W+){0,3}(파레토|pareto)|(파레토|pareto)\W*(\w+\W+){0,3}(비가동|정지|고장|downtime|stops?)",
            4,
        ),
    ],
    "process_capability": [
        (r"공정\s*능력|\bcpk\b|\bppk\b|\bcp\b|\bpp\b|capab(le|ility)|규격\s*(만족|충족|이탈|대비)|ppm", 6),
    ],
    "spc_status": [
        (
            r"\bspc\b|관리도|관리\s*상태|관리\s*이탈|관리\s*한계|control\s*charts?|in control|out[- ]of[- ]control|run rules?|이상\s*패턴|공정\s*안정",
            5,
        ),
        (r"측정\s*(값|특성)|치수|characteristic", 1.5),
    ],
    "readings": [
        (r"센서|신호|측정\s*추이|readings?|sensors?|signals?|trend of|추이", 2.5),
        (
            r"온도|압력|진동|전류|속도|하중|토크|temperature|pressure|vibration|current|force|torque|speed",
            1.5,
        ),
    ],
    "root_cause": [
        (
            r"(왜|why).{0,30}(늘|올랐|오른|증가|많아|높아|rise|rose|risen|increase|went up|higher|jump)|"
            r"(늘|올랐|증가|많아|높아)\S*\s*(원인|이유)|(원인|이유).{0,10}(늘|증가|올랐)|what changed|무엇이\s*달라",
            6,
        ),
    ],
    "twin_what_if": [
        (
            r"what if|what happens if|증설|(설비|기계|교대|시프트)\s*(를|을)?\s*(하나|한\s*대|1\s*대)?\s*(더|추가|늘리)|한\s*대\s*더|"
            r"add (a|one|another) (machine|shift|press|lathe)|(extra|third|another) shift|시뮬레이션",
            6,
        ),
    ],
    "recent_quarantine": [
        (
            r"격리|거부된|거부\s*사유|반려된|검증\s*실패|quarantine|rejected records?|rejections?|invalid data|failed validation|잘못된\s*데이터",
            5,
        ),
    ],
    "search_documents": [
        (
            r"작업\s*표준|표준서|기준서|지침|매뉴얼|설명서|절차|규정|규격서|사내\s*기준|문서|점검\s*(항목|표|주기)|검사\s*(기준|방법|주기|항목)",
            4,
        ),
        (
            r"\bstandards?\b|work\s*standards?|standard\s*(operating|work)|\bsop\b|manuals?|procedures?|inspection\s*(standard|criteria|method|interval)|documents?|guidelines?|checklists?|instructions?",
            4,
        ),
        (
            r"어떻게\s*(해야|하나|하면|점검|교체|설정)|방법은|how (should|do|to|often)|what does the .* say|according to",
            2,
        ),
    ],
    "defect_drivers": [
        (
            r"어떤\s*(공정\s*)?(변수|파라미터|조건|인자)|원인\s*(변수|인자)|영향\s*(을|이)?\s*(주는|준|큰)|which\s*(process\s*)?(parameters?|settings?|variables?|factors?)|what drives|drivers? of|root cause",
            5,
        ),
        (r"왜|원인|why|cause", 1.5),
    ],
    "process_settings": [
        (
            r"설정\s*(값|조건)|공정\s*조건|현재\s*조건|current settings?|process settings?|set ?points?",
            5,
        ),
    ],
    # Changing something is asked of the optimiser; without it these questions fall back to process_settings.
    "recommend_settings": [
        (
            r"(settings?|parameters?)\s+should\s+(i\s+|we\s+)?(change|adjust)|(change|adjust|tune)\s+(the\s+)?(settings?|parameters?|set ?points?)|should\s+we\s+(change|adjust)|무엇을\s*바꿔|뭘\s*바꿔|어떻게\s*바꿔|무엇을\s*조정|조건을?\s*(바꾸|조정|변경)|권장\s*조건|추천\s*조건|최적\s*조건|최적화|what (should|to) (we )?change|what to adjust|(what|which)\s+(should|can|do)\s+(i|we)\s+(adjust|change|tune)|recommend(ed|ation)?s?|optimi[sz]",
            6,
        ),
    ],
}
FALLBACK = {"recommend_settings": "process_settings"}
# A question about documents wins ties over data tools; data tools win over the machine list.
PRIORITY = [
    "twin_what_if",
    "line_bottleneck",
    "root_cause",
    "search_documents",
    "recommend_settings",
    "defect_drivers",
    "process_settings",
    "defect_pareto",
    "process_capability",
    "spc_status",
    "downtime_pareto",
    "recent_quarantine",
    "oee",
    "defect_rate",
    "production",
    "readings",
    "list_machines",
]

PERIOD_RULES: list[tuple[str, str]] = [
    (r"지난\s*1?\s*시간|최근\s*1?\s*시간|한\s*시간|last hour|past hour|this hour", "last_hour"),
    (r"(지난|최근)\s*8\s*시간|이번\s*교대|last 8 hours|past 8 hours|this shift", "last_8h"),
    (r"어제|yesterday", "yesterday"),
    (r"오늘|금일|today", "today"),
    (r"이번\s*주|금주|this week", "this_week"),
    (
        r"(지난|최근)\s*(7|칠)\s*일|지난\s*주|지난\s*일주일|최근\s*일주일|일주일|last 7 days|past 7 days|past week|last week|a week",
        "last_7d",
    ),
    (r"이번\s*달|이달|금월|this month", "this_month"),
    (r"(지난|최근)\s*(30|한)\s*(일|달)|지난달|한\s*달|last 30 days|past month|last month", "last_30d"),
    (r"(지난|최근)\s*24\s*시간|하루|last 24 hours|past 24 hours|past day|last day", "last_24h"),
]

# "선반 1호기랑 3호기 비교해줘", "compare press 1 and press 2": the machines side by side, by machine
# a line named by a number or a letter: "1라인", "2 라인", "line 3", "line B"
_LINE_MARK = re.compile(r"(?<![0-9A-Za-z])(\d+|[A-Za-z])\s*라인|\bline\s*(\d+|[A-Za-z])\b", re.IGNORECASE)
# ... and as a question names one: not "line 7 days" (a period), "line I should…" or "line a" (words)
_LINE_MENTION = re.compile(
    r"(?<![0-9A-Za-z가-힣])(?:제\s*)?(\d+|[A-Za-z])\s*라인"
    r"|\bline\s*(\d+|[b-hj-zB-HJ-Z])\b(?!\s*(?:days?|hours?|h\b|shifts?|weeks?|months?|일|시간|주|개월))"
)
COMPARE = r"비교|대비|\bcompare[ds]?\b|\bcomparison\b|\bversus\b|\bvs\.?(?!\w)"

# tools about one machine that may be asked about "the worst machine": the one with the highest defect rate
WORST_MACHINE_TOOLS = frozenset({"recommend_settings", "root_cause", "defect_drivers"})

BY_RULES: list[tuple[str, str]] = [
    (r"로트|\blots?\b", "lot"),
    (
        r"일별|날짜별|일자별|매일|추이|\bdaily\b|per day|by day|each day|trend|over time|rise|rose|increase|늘었|증가|올랐",
        "day",
    ),
    (r"라인별|by line|per line|each line|lines compare|라인\s*비교", "line"),
    (r"제품별|품목별|by product|per product|each product", "product"),
    (r"교대별|주간.*야간|by shift|per shift|each shift|night shift|day shift", "shift_name"),
    (r"설비별|호기별|by machine|per machine|each machine|machines compare", "machine"),
]


# what a question about stops counts: breakdowns, setups, waiting (none of these words: all three)
# a question about maintenance ("정비할 때가 된 설비", "due for maintenance"): answered with breakdowns, said so
MAINTENANCE = r"정비|보전|유지\s*보수|maintenance|maintain"
STOP_KINDS: list[tuple[str, str]] = [
    (r"고장|breakdowns?|broke(?:n)?\s*down|failures?|faults?|\bfailed\b", "down"),
    (
        r"작업\s*준비|준비\s*작업|셋업|세팅|금형\s*교체|품종\s*교체|\bset-?ups?\b|changeovers?|die change",
        "setup",
    ),
    (r"대기|idle|waiting|starv|blocked", "idle"),
]

# tools that read a period of history; a date in a question to any other tool is not about its answer
PERIOD_TOOLS = frozenset(
    {
        "oee",
        "defect_rate",
        "production",
        "defect_pareto",
        "downtime_pareto",
        "spc_status",
        "process_capability",
        "readings",
        "defect_drivers",
        "root_cause",
        "twin_what_if",
        "recommend_settings",
    }
)
# the window a tool answers for when no period is given (the tools' own defaults)
DEFAULT_PERIOD = {"twin_what_if": "last_7d"}

# measured characteristics as a Korean question names them, and the words their (English) names are made of
CHARACTERISTIC_WORDS: dict[str, tuple[str, ...]] = {
    "두께": ("thickness", "thick", "thk"),
    "높이": ("height",),
    "외경": ("outer", "od", "diameter", "dia"),
    "지름": ("diameter", "dia"),
    "직경": ("diameter", "dia"),
    "내경": ("inner", "bore", "id"),
    "길이": ("length", "len"),
    "폭": ("width",),
    "너비": ("width",),
    "무게": ("weight", "mass"),
    "중량": ("weight", "mass"),
    "경도": ("hardness",),
    "거칠기": ("roughness", "ra"),
    "조도": ("roughness", "ra"),
    "평면도": ("flatness",),
    "평탄도": ("flatness",),
    "휨": ("warpage", "warp"),
    "진원도": ("roundness",),
    "토크": ("torque",),
    "하중": ("force", "load"),
    "깊이": ("depth",),
    "버": ("burr",),
}


@dataclass
class Intent:
    tool: str
    arguments: dict[str, Any]
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    # the question asks about the worst machine without naming one ("what should I change on the worst machine?")
    worst: bool = False
    # what the answer must say about how the question was read (a date it could not read, dates it left out)
    notes: list[dict[str, str]] = field(default_factory=list)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _words(text: str) -> str:
    """The question for the keyword rules: a space between a Latin word and the Korean particle stuck to it ("oee는"
    → "oee 는"), since Hangul counts as a word character and `\\boee\\b` would not see the word otherwise. Names are
    matched on the text as written ("CNC가공기")."""
    return re.sub(r"([a-z])([가-힣])", r"\1 \2", text)


def _korean_part(name: str) -> str:
    return split_name(name)[0]


def _english_part(name: str) -> str:
    return split_name(name)[1]


# a machine by its number alone: "2호기", "2호" (not "2호선", "2호실"), "machine 2", "#2"
_NUMBER_MENTION = r"(\d+)\s*호(?:기)?(?![선실점관차])|\b(?:machine|no\.?|#)\s*(\d+)\b"
# ... and by a kind and a number: "프레스 2호", "사출 3호기", "프레스 2번", "press 2", "press #2"
_KIND_MENTION = (
    r"([가-힣]{2,})\s*(\d+)\s*(?:호기|호|번기|번)(?![선실점관차])|\b([a-z]{3,})\s*(?:no\.?\s*|#\s*)?(\d+)\b"
)


# an id-like machine mention: "press-01", "IMM-5", "cnc2-03" (not "D-7": two letters at least) ...
_MACHINE_ID_MENTION = re.compile(r"(?<![\w-])[a-z][a-z0-9]+-\d{1,4}(?![\w-])", re.IGNORECASE)
# ... when its letters begin one of the company's machine ids or are a machine's kind as ids write it; other words of
# that shape are materials, standards and the like ("SUS-304", "PA-66", "ISO-9001", "COVID-19"), not machines
_MACHINE_ID_WORDS = frozenset(
    [
        "press",
        "prs",
        "imm",
        "inj",
        "injection",
        "cnc",
        "mct",
        "mc",
        "lathe",
        "mill",
        "milling",
        "hmc",
        "vmc",
        "edm",
        "grinder",
        "grinding",
        "drill",
        "drilling",
        "boring",
        "tapping",
        "saw",
        "laser",
        "punch",
        "turret",
        "shear",
        "bender",
        "brake",
        "mold",
        "mould",
        "diecast",
        "extruder",
        "furnace",
        "oven",
        "dryer",
        "compressor",
        "conveyor",
        "frg",
        "forge",
        "forging",
        "hammer",
        "asm",
        "assembly",
        "robot",
        "weld",
        "welder",
        "machine",
        "equip",
    ]
)
# a Korean kind and a number with a machine's counter word: "프레스 1호기", "선반 3번기"
_KOREAN_KIND_MENTION = r"(?<![가-힣])(?!(?:설비|기계|장비|라인)\s*\d)[가-힣]{2,}\s*\d+\s*(?:호기|번기)"


def _id_letters(machine_id: str) -> str:
    """The letters an id begins with, lowercased: "cnc" of "CNC2-03", "press" of "press-01"."""
    return re.match(r"[a-z]*", machine_id.lower()).group(0)


def _loose(name: str) -> str:
    """A Korean name as a question may write it: spaces anywhere or none, "2호" for "2호기" and "2호기" for "2호",
    "02" for "2" ("서보프레스 2호기" ← "서보 프레스 2호", "서보프레스2호기")."""
    compact = re.sub(r"\s+", "", name)
    ho = re.search(r"(\d)호기?$", compact)
    if ho:
        compact = compact[: ho.end(1)]
    parts = [rf"0*{int(p)}(?!\d)" if p.isdigit() else re.escape(p) for p in re.findall(r"\d+|.", compact)]
    return r"\s*".join(parts) + (r"\s*호(?:기)?" if ho else "")


class AssetNames:
    """Every way a question may name one of the company's machines, lines, signals and characteristics."""

    def display(self) -> dict[str, dict[str, dict[str, str]]]:
        """Machine and line ids → their names, for answer tables (column → id → {en, ko})."""
        return {
            "machine_id": {m.id: shown_name(m.name) for m in self.machines},
            "line_id": {ln.id: shown_name(ln.name) for ln in self.lines},
        }

    def __init__(self, store: Store, company_id: str, codes: CodeTable | None = None) -> None:
        self.store, self.company_id = store, company_id
        self.codes = codes  # the company's code table: its own defect names are read from questions too
        self.machines: list[Machine] = store.list_machines(company_id)
        self.lines = store.list_lines(company_id)
        self.signals = store.list_signals(company_id)
        self._others: dict[str, str] | None = None  # other companies' names, read when a question needs them
        self.machine_aliases: list[tuple[re.Pattern[str], str]] = []
        # (kind, number, id): "서보프레스 2호기 Servo press 2" → ("서보프레스", 2), ("press", 2), for "프레스 2호"
        self.kinds: list[tuple[str, int, str]] = []
        number_owner: dict[str, list[str]] = {}
        for m in self.machines:
            prefix, _, num = m.id.rpartition("-")
            pats = [re.escape(m.id.lower())]
            if prefix and num.isdigit():
                # "prs-02" as "PRS-02", "prs02", "prs_2", "prs 2"
                pats.append(rf"\b{re.escape(prefix.lower())}\s*[-_]?\s*0*{int(num)}(?!\d)")
                number_owner.setdefault(str(int(num)), []).append(m.id)
            ko = _korean_part(m.name)
            if ko and re.search(r"[가-힣]", ko):
                pats.append(_loose(ko))
                kind = re.search(r"([가-힣A-Za-z]+)\s*(\d+)\s*(?:호기|호|번기|번)?(?!\d)", ko)
                if kind:
                    self.kinds.append((kind[1].lower(), int(kind[2]), m.id))
            en = _english_part(m.name)
            if en:
                pats.append(r"\b" + re.escape(en.lower()).replace(r"\ ", r"\s*") + r"\b")
                kind = re.search(r"([A-Za-z]+)\s*(?:no\.?\s*|#\s*)?(\d+)\b", en)
                if kind:
                    self.kinds.append((kind[1].lower(), int(kind[2]), m.id))
            self.machine_aliases.append((re.compile("|".join(pats), re.IGNORECASE), m.id))
        # "2호기" / "machine 2" alone names a machine when only one machine carries that number.
        self.unique_numbers = {n: ids[0] for n, ids in number_owner.items() if len(ids) == 1}
        self._measures: dict[str, list[str]] = {}
        self.line_aliases: list[tuple[re.Pattern[str], str]] = []
        for ln in self.lines:
            pats = [re.escape(ln.id.lower())]
            # the number or letter the line goes by ("조립 2라인 Assembly line 2", "제1라인", "사출 A라인")
            for mark in _LINE_MARK.finditer(ln.name):
                x = re.escape((mark.group(1) or mark.group(2)).lower())
                pats += [rf"(?<![0-9A-Za-z])(?:제\s*)?{x}\s*라인", rf"\bline\s*{x}\b"]
            ko = _korean_part(ln.name)
            if ko and re.search(r"[가-힣]", ko):
                pats.append(re.escape(ko).replace(r"\ ", r"\s*"))
            self.line_aliases.append((re.compile("|".join(pats), re.IGNORECASE), ln.id))

    def _by_kind(self, text: str) -> list[tuple[int, str]]:
        """Machines named by a kind and a number, as people shorten names: "프레스 2호" of "서보프레스 2호기",
        "사출 3호기" of "사출기 3호기", "press 2" or "press #2" of "Servo press 2"."""
        found: list[tuple[int, str]] = []
        for m in re.finditer(_KIND_MENTION, text, re.IGNORECASE):
            word, number = (m[1] or m[3]).lower(), int(m[2] or m[4])
            korean = bool(m[1])
            ids = {
                machine_id
                for kind, n, machine_id in self.kinds
                if n == number
                and (
                    (korean and len(word) >= 2 and (word in kind or kind in word))
                    or (not korean and word == kind.split()[-1])
                )
            }
            if len(ids) == 1:
                found.append((m.start(), ids.pop()))
        return found

    def measures(self, machine_id: str) -> list[str]:
        """The characteristics a machine's latest part record measures (as the data names them)."""
        if machine_id not in self._measures:
            recent = self.store.query_parts(
                self.company_id,
                datetime(2000, 1, 1, tzinfo=UTC),
                datetime(2200, 1, 1, tzinfo=UTC),
                [machine_id],
                limit=1,
                newest_first=True,
            )
            raw = recent.column("measures")[0].as_py() if recent.num_rows else None
            self._measures[machine_id] = sorted(json.loads(raw)) if raw else []
        return self._measures[machine_id]

    def machine_by_name(self, text: str) -> str | None:
        """The machine the text names by its id or name (whole, or a kind and a number), not by a number alone."""
        for pattern, machine_id in self.machine_aliases:
            if pattern.search(text):
                return machine_id
        by_kind = self._by_kind(text)
        return by_kind[0][1] if by_kind else None

    def machine(self, text: str) -> str | None:
        for pattern, machine_id in self.machine_aliases:
            if pattern.search(text):
                return machine_id
        by_kind = self._by_kind(text)
        if by_kind:
            return by_kind[0][1]
        m = re.search(_NUMBER_MENTION, text, re.IGNORECASE)
        if m:
            return self.unique_numbers.get(str(int(m.group(1) or m.group(2))))
        return None

    def machines_in(self, text: str) -> list[str]:
        """Every machine the text names, in the order it names them ("선반 1호기랑 선반 3호기", "press 1 and 2")."""
        found: list[tuple[int, str]] = []
        for pattern, machine_id in self.machine_aliases:
            found += [(m.start(), machine_id) for m in pattern.finditer(text)]
        found += self._by_kind(text)
        for m in re.finditer(_NUMBER_MENTION, text, re.IGNORECASE):
            machine_id = self.unique_numbers.get(str(int(m.group(1) or m.group(2))))
            if machine_id:
                found.append((m.start(), machine_id))
        return list(dict.fromkeys(machine_id for _, machine_id in sorted(found)))

    def line(self, text: str) -> str | None:
        for pattern, line_id in self.line_aliases:
            if pattern.search(text):
                return line_id
        return None

    def unknown_machine(self, text: str) -> str | None:
        """A machine the text names that is none of the company's: an id such as "press-01" (letters, a hyphen, a
        number) that is no id of its machines, lines, signals or codes, or a kind and a number ("프레스 1호기") that
        fits none of its machines — as written, so the answer can say it is not theirs instead of answering for
        something else."""
        known = {m.id.lower() for m in self.machines} | {ln.id.lower() for ln in self.lines}
        known |= {s.name.lower() for s in self.signals}
        if self.codes is not None:
            known |= {c.lower() for c in (*self.codes.reasons, *self.codes.defects)}
        words = _MACHINE_ID_WORDS | {_id_letters(m.id) for m in self.machines}
        for m in _MACHINE_ID_MENTION.finditer(text):
            token = m.group(0).lower()
            if token in known or token.startswith("line-") or self._other_company_ids().get(token):
                continue
            if _id_letters(token) not in words:
                continue  # "SUS-304", "PA-66": not a machine's id
            if any(pattern.search(token) for pattern, _ in self.machine_aliases):
                continue  # "prs-2", "PRS02": one of its machines as people write its id
            return m.group(0)
        for m in re.finditer(_KOREAN_KIND_MENTION, text):
            if not any(
                pattern.search(m.group(0)) for pattern, _ in self.machine_aliases
            ) and not self._by_kind(m.group(0)):
                return m.group(0).strip()
        return None

    def _other_company_ids(self) -> dict[str, str]:
        """Every other member company's names as a question may write them (its id, and each language's part of
        its name without spaces, lowercased) → its name as the company calls itself. Only names: the operator's
        list of members is read for nothing else, so a question about another company is told it cannot see that
        company's data instead of being answered with the asking company's own figures as if they were that
        company's."""
        if self._others is None:
            self._others = {}
            for c in self.store.cross_tenant_companies():
                if c.id == self.company_id:
                    continue
                ko, en = split_name(c.name)
                for said in (c.id, ko, en, c.name):
                    key = re.sub(r"\s+", "", said or "").lower()
                    if len(key) >= 3:
                        self._others.setdefault(key, c.name)
        return self._others

    def other_company(self, text: str) -> str | None:
        """The name of another member company the text names ("세진프레스", "dongyang-tech"), if any."""
        compact = re.sub(r"\s+", "", text.lower())
        own = {re.sub(r"\s+", "", w or "").lower() for w in (self.company_id, *self._own_names())}
        others = self._other_company_ids()
        for key in sorted(others, key=len, reverse=True):
            if key in compact and not any(key in o for o in own if o):
                return others[key]
        return None

    def _own_names(self) -> tuple[str, ...]:
        company = self.store.get_company(self.company_id)
        if company is None:
            return ()
        ko, en = split_name(company.name)
        return (company.name, ko, en)

    def unknown_line(self, text: str) -> str | None:
        """A line the text names by number or letter ("1라인", "line 2") that is none of the company's lines, as
        an id ("line-1"), so the answer can say so rather than answer for every line."""
        if self.line(text):
            return None
        m = _LINE_MENTION.search(text)
        return f"line-{(m.group(1) or m.group(2)).upper()}" if m else None  # "line-B", as people write it

    def signal(self, text: str, machine_id: str | None) -> str | None:
        """The signal whose name or description shares the most words with the question."""
        low = text.lower()
        best: tuple[float, str] | None = None
        for s in self.signals:
            if machine_id and s.machine_id != machine_id:
                continue
            score = 3.0 if s.name.lower() in low or s.name.lower().replace("_", " ") in low else 0.0
            words = {w for w in re.split(r"[\s/(),]+", s.description.lower()) if len(w) >= 2}
            score += sum(
                1
                for w in words
                if (w in low if re.search(r"[가-힣]", w) else re.search(rf"\b{re.escape(w)}\b", low))
            )
            if score > 0 and (best is None or score > best[0]):
                best = (score, s.name)
        return best[1] if best else None


def _characteristic(text: str, family: str | None) -> str | None:
    from sandan.twin.process import MODELS

    low = text.lower()
    for fam, model in MODELS.items():
        if family and fam.value != family:
            continue
        # measured characteristics first; then settings, so that "Cpk of blank thickness" is answered with
        # "not measured; measured are …" instead of the capability of something else
        for m in (*model.MEASURES, *model.PARAMETERS):
            # the name, the labels, and the labels without their parenthesis ("휨량" of "휨량 (평면도)")
            labels = (m.label_en.lower(), m.label_ko)
            for n in (m.name.lower(), *labels, *(x.split(" (")[0].strip() for x in labels)):
                if n and n in low:
                    return m.name
    return None


def _defect(text: str, family: str | None, codes: CodeTable | None = None) -> str | None:
    """The defect type a question names ("so many cracks", "크랙이 많은", "short shots", "D-07 불량"): first one of the
    company's own defect codes by the code or a word of its names in the code table ("D-07, 찍힘 (덴트), Dent" gives
    D-07 for "찍힘" or "dents"), then a process family's defect by its code or a word of its label ("crack
    (tearing)" gives crack and tearing). One-letter Korean words such as "버" are too common to count."""
    from sandan.twin.process import MODELS

    low = text.lower()
    named = [(code, (code, n.en, n.ko)) for code, n in sorted((codes.defects if codes else {}).items())]
    for fam, model in MODELS.items():
        if not family or fam.value == family:
            named += [
                (d.code, (d.code, d.code.replace("_", " "), d.label_en, d.label_ko)) for d in model.DEFECTS
            ]
    for code, texts in named:
        words = {w.strip() for t in texts for w in re.split(r"[()/,]", t.lower())}
        for w in sorted(words, key=len, reverse=True):
            if len(w) < 2:
                continue
            if w.isascii():  # an English word whole, plural or not: "crack", "cracks", "short shots"
                if re.search(rf"(?<![\w-]){re.escape(w)}(?:s|es)?(?![\w-])", low):
                    return code
            elif w in low:
                return code
    return None


_NUM = r"(-?\d+(?:\.\d+)?)"
_UNIT = r"(?:\s*(?:mm|㎜|µm|μm|um|nm|n·m|n\.m|kn|kgf|kg|g|%|ppm|°c|℃|bar|mpa|초|s))?"
_TO = r"\s*(?:~|∼|〜|–|—|-|to|and|부터|에서)\s*"
_SPEC_WORD = (
    r"(?:규격|스펙|공차|허용\s*(?:범위|치)|spec(?:ification)?s?(?:\s*limits?)?|tolerances?|limits?)"
    r"\s*(?:은|는|이|가|을|를|:|=|of|is|are|from|between|범위|범위는)?\s*"
)


def spec_limits_in(text: str) -> tuple[float | None, float | None] | None:
    """Specification limits a capability question states: "규격 1.95~2.05", "LSL 1.95 USL 2.05", "1.95-2.05 mm",
    "spec 1.95 to 2.05", "2.00 ± 0.05", "0.1 이하" — (lower, upper), either may be None; None when it states none.
    `text` is the lowercased question without its dates."""

    def num(x: str | float) -> float:
        return round(float(x), 10)  # 2.00 - 0.05 is 1.95, not 1.9500000000000002

    lower = re.search(rf"\b(?:lsl|lower\s+spec(?:ification)?\s+limit)\s*[:=]?\s*{_NUM}", text) or re.search(
        rf"(?:규격\s*)?하한(?:\s*규격|\s*값)?\s*(?:은|는|:|=)?\s*{_NUM}", text
    )
    upper = re.search(rf"\b(?:usl|upper\s+spec(?:ification)?\s+limit)\s*[:=]?\s*{_NUM}", text) or re.search(
        rf"(?:규격\s*)?상한(?:\s*규격|\s*값)?\s*(?:은|는|:|=)?\s*{_NUM}", text
    )
    if lower or upper:
        lo, hi = (num(lower[1]) if lower else None), (num(upper[1]) if upper else None)
        return (hi, lo) if lo is not None and hi is not None and lo > hi else (lo, hi)
    pm = re.search(rf"(?<![\w.]){_NUM}{_UNIT}\s*(?:±|\+/-|\+-)\s*(\d+(?:\.\d+)?)", text)
    if pm:
        nominal, tol = num(pm[1]), abs(num(pm[2]))
        return num(nominal - tol), num(nominal + tol)
    both = re.search(rf"{_SPEC_WORD}{_NUM}{_UNIT}{_TO}{_NUM}", text) or re.search(
        rf"(?<![\w.-]){_NUM}{_UNIT}\s*(?:~|∼|〜|–|—|-|to)\s*{_NUM}{_UNIT}", text
    )
    if both:
        lo, hi = sorted((num(both[1]), num(both[2])))
        return lo, hi

    def limit(pattern: str) -> re.Match[str] | None:
        # not a bound on the index itself: "Cpk 1.33 이상", "Cpk at least 1.33"
        for m in re.finditer(pattern, text):
            if not re.search(
                r"\b(?:cpk|ppk|cp|pp)\b\W*(?:가|이|은|는|값)?\s*$", text[: m.start(1 if m[1] else 2)]
            ):
                return m
        return None

    one_upper = limit(rf"{_NUM}{_UNIT}\s*(?:이하|미만)|(?:≤|<=|<|at most|max(?:imum)?|under)\s*{_NUM}")
    one_lower = limit(rf"{_NUM}{_UNIT}\s*(?:이상|초과)|(?:≥|>=|>|at least|min(?:imum)?)\s*{_NUM}")
    if one_upper or one_lower:
        hi = num(one_upper[1] or one_upper[2]) if one_upper else None
        lo = num(one_lower[1] or one_lower[2]) if one_lower else None
        return lo, hi
    return None


def _measured(text: str, names: AssetNames, machine_id: str) -> str | None:
    """The one characteristic the machine's data measures that the question names ("두께" → "thickness_mm")."""
    found = []
    for key in names.measures(machine_id):
        low = key.lower()
        words = set(re.split(r"[_\W]+", low)) - {""}
        said = low in text or low.replace("_", " ") in text
        said = said or any(re.search(rf"\b{re.escape(w)}\b", text) for w in words if len(w) >= 4)
        said = said or any(ko in text and words & set(en) for ko, en in CHARACTERISTIC_WORDS.items())
        said = said or (re.search(r"[가-힣]", low) is not None and low.split("_")[0] in text)
        if said:
            found.append(key)
    return found[0] if len(found) == 1 else None


def _period_notes(dates, used: str | None, tool: str) -> list[dict[str, str]]:
    """What the answer says about dates it did not use: one it could not read, or more than one given."""
    from sandan.assist.registry import period_label

    if tool not in PERIOD_TOOLS:
        return []
    shown = used or DEFAULT_PERIOD.get(tool, "last_24h")
    label = {lang: period_label(shown, lang) for lang in ("en", "ko")}
    notes = []
    if dates.unreadable:
        said = "', '".join(dates.unreadable)
        notes.append(
            {
                "code": "date_not_understood",
                "en": f"Could not read the date '{said}', so this answers for {label['en']} instead.",
                "ko": f"날짜 '{said}'을(를) 이해하지 못해 {with_particle(label['ko'])} 답합니다.",
                "text": said,
            }
        )
    if dates.ignored:
        said = "', '".join(dates.ignored)
        notes.append(
            {
                "code": "dates_left_out",
                "en": f"The question names several dates: this answers for '{dates.first}' ({label['en']}) only, "
                f"not '{said}'. Ask for a range, e.g. '12/1~12/3', to cover them together.",
                "ko": f"질문에 날짜가 여럿 있어 '{dates.first}'({label['ko']})만으로 답합니다('{said}' 제외). "
                "함께 보려면 '12/1~12/3'처럼 기간으로 물어보세요.",
                "text": said,
            }
        )
    return notes


# tools that answer for every machine (of the line asked about) when the question names none of the company's
_ALL_MACHINES_TOOLS = frozenset(
    {"oee", "defect_rate", "production", "defect_pareto", "downtime_pareto", "root_cause", "list_machines"}
)


def _scope_notes(
    text: str, names: AssetNames, tool: str, args: dict[str, Any], question: str = ""
) -> list[dict[str, str]]:
    """What the answer must say first when the question names something the asking company cannot be answered
    about: another member company (its data is not the asker's to see), or a machine that is none of its own — so
    its own figures are never read as the named one's. `text` is the question as the rules read it (lowercased);
    a machine is named as `question` writes it ("HMC-3", not "hmc-3")."""
    other = names.other_company(text)
    if other is not None:
        said = shown_name(other)
        return [
            {
                "code": "other_company",
                "en": f"You cannot see another company's data ({said['en']}); the figures below are your own "
                "company's.",
                "ko": f"다른 회사의 데이터는 볼 수 없습니다({said['ko']}). 아래는 이 회사의 수치입니다.",
                "text": other,
            }
        ]
    unknown = names.unknown_machine(text)
    if unknown is None:
        return []
    typed = re.search(re.escape(unknown), question, re.IGNORECASE)
    unknown = typed.group(0) if typed else unknown
    named = particle(f"'{unknown}'", "은/는")
    if tool in _ALL_MACHINES_TOOLS and not args.get("machine_id") and not args.get("machine_ids"):
        scope = (
            ("the machines of the line asked about", "물어본 라인의 설비")
            if args.get("line_id")
            else ("all machines", "전체 설비")
        )
        en = f"{unknown} is not one of your machines; showing {scope[0]}."
        ko = f"{named} 이 회사의 설비가 아닙니다. {scope[1]} 기준으로 보여 드립니다."
    else:
        en = f"{unknown} is not one of your machines, so this does not answer about it."
        ko = f"{named} 이 회사의 설비가 아니어서 그 설비에 대해서는 답하지 않습니다."
    return [{"code": "unknown_machine", "en": en, "ko": ko, "text": unknown}]


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Seoul")).date()


def route(
    question: str, names: AssetNames, available: set[str] | None = None, today: date | None = None
) -> Intent:
    """The tool and arguments for `question` (Korean or English), among the `available` tools; `today` is the
    plant's production day, from which a date without a year or a weekday is counted."""
    text = _norm(question)
    if text.startswith(("sql:", "sql ")):
        return Intent("sql_query", {"sql": question.strip()[4:].strip()}, 10.0)
    words = _words(text)
    scores = {t: sum(w for p, w in rules if re.search(p, words, re.IGNORECASE)) for t, rules in RULES.items()}
    for missing, instead in FALLBACK.items():
        if available is not None and missing not in available:
            scores[instead] = max(scores.get(instead, 0), scores.pop(missing, 0))
    candidates = [t for t in PRIORITY if available is None or t in available]
    best = max(candidates, key=lambda t: (scores.get(t, 0), -PRIORITY.index(t)))
    if best == "list_machines" and re.search(WHICH_MACHINE, words, re.IGNORECASE):
        # "which machine has the lowest availability": a figure of each machine, not the list of them
        measured = [t for t in candidates if t != "list_machines" and scores.get(t, 0) > 0]
        if measured:
            best = max(measured, key=lambda t: (scores.get(t, 0), -PRIORITY.index(t)))
    compare = bool(re.search(COMPARE, words, re.IGNORECASE))
    if scores.get(best, 0) <= 0 and compare and (available is None or "oee" in available):
        best = "oee"  # machines compared with nothing more said: their OEE side by side
    if scores.get(best, 0) <= 0 and best != "oee":
        best = "search_documents"
    # a period the question states: its dates first ("12월 3일", "12/1~12/3"), then a span ("최근 3일"), then the
    # named windows ("어제", "this week")
    dates = find_dates(text, today or _today())
    undated = list(text)
    for a, b in dates.spans:
        undated[a:b] = " " * (b - a)
    undated = "".join(undated)  # the question without its dates, for what else it states
    span = find_span(undated)
    period = (
        dates.period
        or (span[0] if span else None)
        or next((p for pat, p in PERIOD_RULES if re.search(pat, _words(undated), re.IGNORECASE)), None)
    )
    machine_id = names.machine(undated)
    if machine_id and names.unknown_machine(undated) and not names.machine_by_name(undated):
        # "프레스 1호기" of a moulder: its own 1호기 only by the number, of another kind — not the machine asked about
        machine_id = None
    line_id = None if machine_id else names.line(undated) or names.unknown_line(undated)
    by = next((b for pat, b in BY_RULES if re.search(pat, words, re.IGNORECASE)), None)
    compared: list[str] = []
    if best in ("oee", "defect_rate", "production") and (
        compare or re.search(WHICH_MACHINE, words, re.IGNORECASE)
    ):
        # machines compared: those named, side by side; the worst one asked for: every machine (of the line)
        machine_id, by = None, by or "machine"
        line_id = names.line(undated) or names.unknown_line(undated)
        compared = names.machines_in(undated) if compare else []
        if len(compared) < 2:
            compared = []
    args: dict[str, Any] = {}
    if best in ("oee", "defect_rate", "production", "defect_pareto", "downtime_pareto"):
        args = {"machine_id": machine_id, "line_id": line_id, "period": period}
        if compared:
            args = {"machine_ids": compared, "period": period}
        if best == "downtime_pareto":
            # "고장 시간": breakdowns only; "작업준비", "대기": those; none of these words: every kind of stop
            kinds = [k for pat, k in STOP_KINDS if re.search(pat, words, re.IGNORECASE)]
            if kinds:
                args["states"] = kinds
        if best == "oee":
            args["by"] = by if by in ("machine", "line", "day") else "machine"
        elif best == "defect_rate":
            args["by"] = by or "machine"
        elif best == "production":
            args["by"] = by if by in ("machine", "line", "product", "shift_name", "day") else "machine"
    elif best in ("spc_status", "process_capability", "readings", "defect_drivers"):
        args = {"machine_id": machine_id, "period": period}
        family = next((m.family.value for m in names.machines if m.id == machine_id), None)
        if best in ("spc_status", "process_capability"):
            args["characteristic"] = _characteristic(undated, family) or (
                _measured(undated, names, machine_id) if machine_id else None
            )
        if best == "process_capability":
            limits = spec_limits_in(undated)
            if limits:
                args["lsl"], args["usl"] = limits
        if best == "defect_drivers":
            defect = _defect(undated, family, names.codes)
            if defect:
                args["defect_type"] = defect
        if best == "readings":
            without_period = undated
            for pat, _ in PERIOD_RULES:
                without_period = re.sub(pat, " ", without_period, flags=re.IGNORECASE)
            args["signal"] = names.signal(without_period, machine_id)
    elif best == "root_cause":
        args = {"machine_id": machine_id, "line_id": line_id, "period": period}
    elif best == "line_bottleneck":
        line_for_twin = line_id or next((m.line_id for m in names.machines if m.id == machine_id), None)
        args = {"line_id": line_for_twin, "period": period}
    elif best == "twin_what_if":
        line_for_twin = line_id or next((m.line_id for m in names.machines if m.id == machine_id), None)
        change = "add_shift" if re.search(r"교대|시프트|야간|shift", text, re.IGNORECASE) else "add_machine"
        args = {"line_id": line_for_twin, "change": change, "period": period}
        if change == "add_machine" and machine_id:
            args["machine_id"] = machine_id
    elif best == "process_settings":
        args = {"machine_id": machine_id}
    elif best == "recommend_settings":
        args = {"machine_id": machine_id, "period": period}
    elif best == "list_machines":
        args = {"line_id": line_id}
    elif best == "search_documents":
        args = {"query": question.strip()}
    worst = (
        best in WORST_MACHINE_TOOLS
        and not args.get("machine_id")
        and bool(re.search(rf"{WHICH_MACHINE}|\bworst\b", words, re.IGNORECASE))
    )
    notes = _scope_notes(undated, names, best, args, question) + _period_notes(
        dates, args.get("period"), best
    )
    if best == "downtime_pareto" and re.search(MAINTENANCE, words, re.IGNORECASE):
        # no maintenance plan is kept: the breakdowns by reason are the data that answer it, and the answer says so
        args.setdefault("states", ["down"])
        notes.append(
            {
                "code": "no_maintenance_plan",
                "en": "sandan keeps no maintenance plan or due dates; these are the breakdowns by reason and machine, "
                "which show where maintenance is most needed.",
                "ko": "sandan은 정비 계획이나 정비 예정일을 갖고 있지 않습니다. 대신 사유·설비별 고장 정지를 보여 드리며, "
                "정비가 가장 필요한 곳을 알 수 있습니다.",
            }
        )
    return Intent(
        best, {k: v for k, v in args.items() if v is not None}, scores.get(best, 0), scores, worst, notes
    )
