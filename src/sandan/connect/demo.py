"""Demo profiles for the virtual complex: technology suppliers with offerings and references, and the six demo
factories' own profiles with their needs. Used by the demo, the matching benchmark and the tests.
"""

from __future__ import annotations

from pathlib import Path

from sandan.connect.profile import MachineEntry, Need, Offering, Profile, Reference
from sandan.connect.profile_store import ProfileStore
from sandan.domain import ProcessFamily as F


def _supplier(cid, name, region, processes, offerings, refs, certs=()) -> Profile:
    return Profile(
        company_id=cid,
        name=name,
        role="supplier",
        region=region,
        processes=list(processes),
        certifications=list(certs),
        offerings=[Offering(id=f"{cid}-{i}", **o) for i, o in enumerate(offerings, start=1)],
        references=[Reference(**r) for r in refs],
        listed=True,
        contact=f"영업팀 / sales · sales@{cid}.example",
    )


DEMO_SUPPLIERS: list[Profile] = [
    _supplier(
        "visionq",
        "비전큐 VisionQ",
        "시화",
        [F.injection, F.press, F.assembly],
        [
            {
                "title": "카메라 외관 검사 자동화 / Camera visual inspection",
                "categories": ["vision_inspection"],
                "families": [F.injection, F.press, F.assembly],
                "description": "딥러닝 비전으로 버, 미성형, 스크래치, 찍힘 등 외관 불량을 라인에서 전수 검사. "
                "Deep-learning vision checks every part for flash, short shots, scratches and dents in line.",
            },
        ],
        [
            {
                "customer": "자동차 내장 사출사",
                "family": F.injection,
                "category": "vision_inspection",
                "result": "외관 검사 인원 3명 → 1명",
            }
        ],
        ["ISO 9001"],
    ),
    _supplier(
        "moldmind",
        "몰드마인드 MoldMind",
        "시화",
        [F.injection],
        [
            {
                "title": "사출 성형 조건 최적화와 불량 예측 AI / Injection setting optimisation and scrap prediction",
                "categories": ["quality_ai", "process_optimization"],
                "families": [F.injection],
                "description": "사출기 공정 변수(용융 온도, 보압, 사출 속도)로 미성형·싱크·휨 불량을 예측하고 성형 조건을 추천. "
                "Predicts short shots, sink and warpage from melt temperature, holding pressure and speed, and recommends settings.",
            },
        ],
        [
            {
                "customer": "가전 부품 사출사",
                "family": F.injection,
                "category": "quality_ai",
                "result": "불량률 8% → 2%",
            },
            {
                "customer": "Automotive moulder",
                "family": F.injection,
                "category": "process_optimization",
                "result": "cycle time −7%",
            },
        ],
    ),
    _supplier(
        "pressai",
        "프레스에이아이 PressAI",
        "반월",
        [F.press],
        [
            {
                "title": "프레스 불량 저감 AI / Stamping scrap reduction",
                "categories": ["quality_ai"],
                "families": [F.press],
                "description": "하중 곡선과 판재 로트 데이터로 균열, 주름, 버 불량을 예측하고 쉿하이트·윤활 조건을 제안. "
                "Tonnage signatures and coil lots predict splits, wrinkles and burrs; suggests shut height and lubrication.",
            },
        ],
        [
            {
                "customer": "차체 부품 프레스사",
                "family": F.press,
                "category": "quality_ai",
                "result": "프레스 스크랩 35 % 감소",
            }
        ],
    ),
    _supplier(
        "linkfab",
        "링크팹 LinkFab",
        "남동",
        [],
        [
            {
                "title": "설비 연결 게이트웨이 / Machine connectivity gateway",
                "categories": ["connectivity"],
                "families": [],
                "description": "OPC UA, Modbus TCP, MQTT 게이트웨이와 노후 설비 센서 부착(레트로핏)으로 사출기·프레스·선반 데이터를 수집. "
                "OPC UA, Modbus and MQTT gateways plus sensor retrofits that connect old injection, press and CNC machines.",
            },
        ],
        [
            {
                "customer": "사출 공장 12대",
                "family": F.injection,
                "category": "connectivity",
                "result": "2주 만에 12대 연결",
            },
            {
                "customer": "Press shop",
                "family": F.press,
                "category": "connectivity",
                "result": "8 presses on MQTT",
            },
        ],
        ["ISO 27001"],
    ),
    _supplier(
        "vibesense",
        "바이브센스 VibeSense",
        "창원",
        [F.cnc, F.forging],
        [
            {
                "title": "진동 기반 예지 보전 / Vibration-based predictive maintenance",
                "categories": ["predictive_maintenance"],
                "families": [F.cnc, F.forging, F.press],
                "description": "스핀들·베어링·유압 펌프 진동을 감시해 고장을 예측하고 돌발 정지를 줄임. "
                "Monitors spindle, bearing and hydraulic pump vibration to predict breakdowns and cut unplanned stops.",
            },
        ],
        [
            {
                "customer": "창원 가공사",
                "family": F.cnc,
                "category": "predictive_maintenance",
                "result": "돌발 정지 40 % 감소",
            }
        ],
    ),
    _supplier(
        "planit",
        "플랜잇 PlanIt",
        "남동",
        [],
        [
            {
                "title": "중소 제조 MES와 생산 스케줄링 / SME MES and scheduling",
                "categories": ["scheduling_mes"],
                "families": [],
                "description": "작업 지시, 생산 계획, 납기 관리, 실적 집계를 엑셀 대신 웹으로. "
                "Work orders, production planning, due dates and output tracking on the web instead of Excel.",
            },
        ],
        [
            {
                "customer": "조립 협력사",
                "family": F.assembly,
                "category": "scheduling_mes",
                "result": "납기 준수율 85% → 97%",
            }
        ],
    ),
    _supplier(
        "ecowatt",
        "에코와트 EcoWatt",
        "반월",
        [],
        [
            {
                "title": "공장 에너지 관리 / Factory energy management",
                "categories": ["energy"],
                "families": [],
                "description": "설비별 전력 측정, 압축 공기 누설 진단, 피크 전력 관리로 전기 요금 절감. "
                "Per-machine power metering, compressed-air leak surveys and peak-load control to cut the power bill.",
            },
        ],
        [{"customer": "단조 공장", "family": F.forging, "category": "energy", "result": "전력비 12 % 절감"}],
    ),
    _supplier(
        "robocell",
        "로보셀 RoboCell",
        "시화",
        [F.injection, F.cnc],
        [
            {
                "title": "협동로봇 머신 텐딩 / Cobot machine tending",
                "categories": ["automation_robotics"],
                "families": [F.injection, F.cnc],
                "description": "사출품 취출, 선반 소재 로딩·언로딩을 협동로봇으로 자동화해 야간 무인 운전. "
                "Cobots unload moulded parts and load/unload lathes for unmanned night shifts.",
            },
        ],
        [
            {
                "customer": "선반 가공사",
                "family": F.cnc,
                "category": "automation_robotics",
                "result": "야간 무인 8시간",
            }
        ],
    ),
    _supplier(
        "twinline",
        "트윈라인 TwinLine",
        "남동",
        [F.assembly],
        [
            {
                "title": "라인 시뮬레이션과 레이아웃 설계 / Line simulation and layout",
                "categories": ["digital_twin"],
                "families": [],
                "description": "디지털 트윈으로 병목 분석, 설비 증설·교대 추가 효과 검토, 라인 밸런싱과 레이아웃 설계. "
                "Digital-twin bottleneck analysis, what-if for extra machines or shifts, line balancing and layout.",
            },
        ],
        [
            {
                "customer": "전장 조립 라인",
                "family": F.assembly,
                "category": "digital_twin",
                "result": "라인 효율 18 % 향상",
            }
        ],
    ),
    _supplier(
        "diecare",
        "다이케어 DieCare",
        "창원",
        [F.forging, F.press],
        [
            {
                "title": "금형·다이 수명 관리와 보수 / Die and mould life management and repair",
                "categories": ["tooling"],
                "families": [F.forging, F.press],
                "description": "단조 다이·프레스 금형의 마모 측정, 재연마·육성 용접 보수와 수명 예측. "
                "Wear measurement, regrinding and weld repair of forging dies and press tools, with die life prediction.",
            },
        ],
        [
            {
                "customer": "열간 단조사",
                "family": F.forging,
                "category": "tooling",
                "result": "다이 수명 1.6배",
            }
        ],
    ),
    _supplier(
        "cuttool",
        "커트툴 CutTool",
        "창원",
        [F.cnc],
        [
            {
                "title": "절삭 공구 마모 감시와 가공 조건 최적화 / Tool-wear monitoring and cutting conditions",
                "categories": ["tooling", "process_optimization"],
                "families": [F.cnc],
                "description": "인서트 마모를 주축 부하로 감시하고 이송·회전수·절삭유 조건을 최적화해 치수 불량과 공구비를 줄임. "
                "Watches insert wear through spindle load and tunes feed, speed and coolant to cut dimensional scrap and tool cost.",
            },
        ],
        [
            {
                "customer": "정밀 선반 가공사",
                "family": F.cnc,
                "category": "tooling",
                "result": "공구비 20 % 절감",
            }
        ],
    ),
    _supplier(
        "safeguard",
        "세이프가드 SafeGuard",
        "반월",
        [F.press],
        [
            {
                "title": "프레스 안전 장치 / Press safety systems",
                "categories": ["safety"],
                "families": [F.press, F.forging],
                "description": "라이트 커튼, 양수 조작, 끼임 방지 인터록으로 프레스 작업 안전 확보와 인증 대응. "
                "Light curtains, two-hand controls and interlocks against crushing; certification support.",
            },
        ],
        [{"customer": "소형 프레스사", "family": F.press, "category": "safety", "result": "안전 인증 통과"}],
        ["KCs"],
    ),
    _supplier(
        "forgetherm",
        "포지썸 ForgeTherm",
        "창원",
        [F.forging],
        [
            {
                "title": "단조 가열 온도 관리와 품질 분석 / Forging heating control and quality analytics",
                "categories": ["process_optimization", "quality_ai"],
                "families": [F.forging],
                "description": "빌릿 가열 온도, 이송 시간, 다이 온도를 관리해 겹침·미충전·스케일 불량을 줄임. "
                "Controls billet temperature, transfer time and die temperature to cut laps, underfill and scale defects.",
            },
        ],
        [
            {
                "customer": "자동차 단조사",
                "family": F.forging,
                "category": "quality_ai",
                "result": "단조 불량 50 % 감소",
            }
        ],
    ),
    _supplier(
        "torqlog",
        "토크로그 TorqLog",
        "남동",
        [F.assembly],
        [
            {
                "title": "체결 토크 품질 관리와 이력 추적 / Fastening torque quality and traceability",
                "categories": ["quality_ai"],
                "families": [F.assembly],
                "description": "너트런너 토크·각도 곡선으로 체결 불량과 압입 불량을 잡고 제품별 이력을 남김. "
                "Torque-angle curves from nutrunners catch bad joints and press-fit faults, with traceability per unit.",
            },
        ],
        [
            {
                "customer": "전장품 조립사",
                "family": F.assembly,
                "category": "quality_ai",
                "result": "체결 불량 유출 0건",
            }
        ],
    ),
]


def demo_company_profiles() -> list[Profile]:
    """The six virtual-complex factories with a need or two each (listed, consenting to measured figures)."""

    def p(cid, name, region, fam, machines, needs):
        return Profile(
            company_id=cid,
            name=name,
            role="demand",
            region=region,
            processes=[fam],
            machines=[MachineEntry(**m) for m in machines],
            needs=[Need(id=f"{cid}-n{i}", text=t, families=[fam]) for i, t in enumerate(needs, start=1)],
            listed=True,
            share_measured=True,
            capacity="2교대 / two shifts",
            contact=f"생산기술팀 / production engineering · pe@{cid}.example",
        )

    return [
        p(
            "hanil-precision",
            "한일정밀 Hanil Precision",
            "창원",
            F.cnc,
            [{"kind": "CNC 선반 CNC lathe", "family": F.cnc, "count": 4, "controller": "Fanuc"}],
            ["선반 인서트 마모로 치수 불량이 난다", "스핀들 고장으로 돌발 정지가 잦다"],
        ),
        p(
            "daesung-plastics",
            "대성플라스틱 Daesung Plastics",
            "시화",
            F.injection,
            [{"kind": "150 t 사출기 injection moulding machine", "family": F.injection, "count": 5}],
            ["사출 미성형·싱크 불량을 줄이고 싶다", "노후 사출기를 연결해서 데이터를 모으고 싶다"],
        ),
        p(
            "sejin-press",
            "세진프레스 Sejin Press",
            "반월",
            F.press,
            [{"kind": "서보프레스 servo press", "family": F.press, "count": 3}],
            ["cut press scrap", "프레스 끼임 사고를 막고 싶다"],
        ),
        p(
            "kumho-forging",
            "금호단조 Kumho Forging",
            "창원",
            F.forging,
            [{"kind": "단조 프레스 forging press", "family": F.forging, "count": 3}],
            ["단조 다이 수명이 짧다", "단조 겹침 불량이 많다"],
        ),
        p(
            "mirae-assembly",
            "미래조립 Mirae Assembly",
            "남동",
            F.assembly,
            [{"kind": "체결기 fastening station", "family": F.assembly, "count": 3}],
            ["체결 토크 불량이 고객사로 유출된다", "라인 병목을 찾고 교대를 늘릴지 판단하고 싶다"],
        ),
        p(
            "dongyang-tech",
            "동양테크 Dongyang Tech",
            "남동",
            F.injection,
            [
                {"kind": "사출기 injection moulding machine", "family": F.injection, "count": 1},
                {"kind": "CNC 선반 CNC lathe", "family": F.cnc, "count": 1},
            ],
            ["connect our injection machines", "생산 계획을 엑셀 대신 시스템으로 관리하고 싶다"],
        ),
    ]


def install_demo_profiles(data_dir: Path) -> int:
    """Put the demo suppliers' and factories' profiles into the profile store of `data_dir`, leaving any profile
    already there (one a user edited in an earlier run) as it is; returns how many were added."""
    store = ProfileStore.in_data_dir(data_dir)
    added = 0
    for profile in [*DEMO_SUPPLIERS, *demo_company_profiles()]:
        if store.get(profile.company_id) is None:
            store.put(profile.company_id, profile)
            added += 1
    return added
