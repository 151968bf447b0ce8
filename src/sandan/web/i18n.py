"""Every string the web UI shows, in Korean and English, and the helpers that pick one and format times.

Templates and JS read only this catalogue; messages of `SandanError`s carry their own two languages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandan.domain import FAMILY_NAMES, plant_clock

LANGS = ("ko", "en")

# key -> (English, Korean). Placeholders use str.format names.
CATALOGUE: dict[str, tuple[str, str]] = {
    # shell
    "app.name": ("sandan", "산단"),
    "app.tagline": ("Industrial complex data platform", "산업단지 데이터 플랫폼"),
    # optimize (what should I change?)
    "opt.see_why": (
        "This advice predicts what a change of settings would do. To see what differed between this machine's good "
        "and defective parts (a comparison, which may point elsewhere when a setting only moved with the real "
        "cause):",
        "이 추천은 설정을 바꾸면 어떻게 될지를 예측한 것입니다. 이 설비의 양품과 불량품이 무엇이 달랐는지 보려면(비교일 "
        "뿐이라, 어떤 설정이 실제 원인과 함께 움직였을 뿐이면 다른 곳을 가리킬 수 있습니다):",
    ),
    "opt.title": ("What should I change?", "무엇을 바꿔야 할까요?"),
    "opt.defects_24h": ("{rate}% defects in 24 h", "24시간 불량률 {rate}%"),
    "opt.pick_help": (
        "Machines with the most defects in the last 24 hours come first.",
        "최근 24시간 불량률이 높은 설비부터 보여 줍니다.",
    ),
    "opt.machine": ("Machine", "설비"),
    "opt.run": ("Recommend settings", "설정 추천"),
    "opt.recipe_delete": ("delete", "삭제"),
    "opt.recipe_delete_confirm": ("Delete the recipe '{name}'?", "'{name}' 레시피를 삭제할까요?"),
    "opt.with_cycle": ("Also shorten cycle time (Pareto)", "사이클 타임도 줄이기 (파레토)"),
    "opt.parameter": ("Parameter", "공정 변수"),
    "opt.current": ("Current setting", "현재 설정"),
    "opt.current_expected": (
        "predicted at the current settings (the 24-hour figure above is measured, over whatever settings ran)",
        "현재 설정에서의 예측 (위 24시간 불량률은 그동안 돌린 여러 설정의 실측치)",
    ),
    "opt.recommended": ("Recommended", "추천"),
    "opt.change": ("Change", "변경"),
    "opt.limits": ("Machine limits", "설비 한계"),
    "opt.observed": ("Seen in data", "데이터 범위"),
    "opt.effect": ("Expected defect rate", "예상 불량률"),
    "opt.interval": ("likely range", "예상 범위"),
    "opt.pareto": ("Defect rate against cycle time", "불량률 대 사이클 타임"),
    "opt.axis_defect": ("expected defect rate", "예상 불량률"),
    "opt.axis_cycle": ("cycle time (s)", "사이클 타임 (초)"),
    "opt.extrapolation": ("Beyond the data — the model is extrapolating", "데이터 범위 밖 — 모델이 외삽 중"),
    "opt.save": ("Save as recipe", "레시피로 저장"),
    "opt.recipe_name": ("Recipe name", "레시피 이름"),
    "opt.recipes": ("Saved recipes", "저장된 레시피"),
    "opt.no_write": (
        "No write-enabled connector is configured: nothing is sent to the machine. Enter the settings at the controller.",
        "쓰기가 허용된 커넥터가 없습니다: 설비로 아무것도 보내지 않습니다. 설정값은 제어기에 직접 입력하세요.",
    ),
    "opt.saved": ("Recipe saved.", "레시피를 저장했습니다."),
    # why did defects rise? (root cause)
    "why.title": ("Why did defects rise?", "불량이 왜 늘었나?"),
    "why.link": ("Why did defects rise? →", "불량이 왜 늘었나? →"),
    "why.adapted": (
        "The records do not reach a week back, so the last {period} are compared with the {before} before them.",
        "기록이 일주일 전까지 있지 않아, 마지막 {period}을 그 전 {before}과 비교합니다.",
    ),
    "why.help": (
        "The parts of the period are compared with those of the days before it: machines, material lots, products "
        "and process settings are ranked by how strongly they go with defects.",
        "이 기간의 부품을 그 전 며칠의 부품과 비교해, 설비·자재 로트·제품·공정 조건을 불량과의 관련성이 큰 순서로 "
        "보여 줍니다.",
    ),
    "why.start": ("From", "시작"),
    "why.end": ("To", "끝"),
    "why.machine": ("Machine", "설비"),
    "why.all_machines": ("All machines", "전체 설비"),
    "why.baseline": ("Compare with the days before", "비교할 이전 기간(일)"),
    "why.run": ("Analyse", "분석"),
    "why.fell": (
        "Defects did not rise in this period; the factors below still go with defective against good parts over "
        "both periods.",
        "이 기간에 불량률이 오르지 않았습니다. 아래 요인은 두 기간 전체에서 불량 부품과 양품을 가르는 요인입니다.",
    ),
    "why.rates_since": (
        "Defect rate {bad} in this period ({n_bad} parts) against {good} before it, since the first record "
        "{span} earlier ({n_good} parts).",
        "불량률: 이 기간 {bad} (부품 {n_bad}개), 그 전(첫 기록 이후 {span}) {good} (부품 {n_good}개).",
    ),
    "why.rates": (
        "Defect rate {bad} in this period ({n_bad} parts) against {good} in the {days} before ({n_good} parts).",
        "불량률: 이 기간 {bad} (부품 {n_bad}개), 그 전 {days} {good} (부품 {n_good}개).",
    ),
    "why.none_significant": (
        "No factor goes with the defects beyond chance; more data, or a factor not recorded here, is needed.",
        "우연 이상으로 불량과 관련된 요인이 없습니다. 데이터를 더 모으거나 여기 기록되지 않은 요인을 확인하세요.",
    ),
    "why.factor": ("Factor", "요인"),
    "why.differs": ("What differed", "무엇이 달랐나"),
    "why.effect": ("Effect size", "효과 크기"),
    "why.p": ("Adjusted p", "보정 p"),
    "why.cat_detail": (
        "{level}: {rate} defective against {elsewhere} elsewhere; {share_bad} of this period's parts, {share_good} before",
        "{level}: 불량률 {rate} (그 외 {elsewhere}); 이 기간 부품의 {share_bad}, 이전 {share_good}",
    ),
    "why.method": (
        "Tests: chi-square for machines, lots and products (effect: bias-corrected Cramér's V), Mann-Whitney U for "
        "settings (effect: rank-biserial |r|) — with several machines, within each machine (van Elteren), so a "
        "setting only one machine runs at is not taken for the cause; p-values Holm-adjusted over all factors; rows "
        "in bold are significant at {alpha}. Association, not proof: check the top factor on the shop floor.",
        "검정: 설비·로트·제품은 카이제곱(효과 크기: 편향 보정 Cramér's V), 공정 조건은 만-위트니 U(효과 크기: "
        "순위 이연 상관 |r|) — 설비가 여럿이면 설비 안에서 비교(van Elteren)하므로 한 설비만 쓰는 조건을 원인으로 "
        "착각하지 않습니다; p값은 전체 요인에 홀름 보정; 굵은 행은 유의수준 {alpha}에서 유의합니다. 관련성이지 "
        "인과의 증명은 아니므로 현장에서 상위 요인을 확인하세요.",
    ),
    "why.to_advice": ("What should I change on this machine? →", "이 설비에서 무엇을 바꿔야 할까요? →"),
    "opt.computing": ("Learning from {machine}'s part records…", "{machine}의 부품 기록으로 학습하는 중…"),
    "opt.queued": ("Waiting to start…", "시작 대기 중…"),
    "opt.running": ("Working…", "계산 중…"),
    "nav.complex": ("Complex", "산업단지"),
    "nav.monitor": ("OEE", "설비종합효율"),
    "nav.quality": ("Quality", "품질"),
    "nav.alerts": ("Alerts", "경보"),
    "nav.models": ("AI models", "AI 모델"),
    "nav.federations": ("Federations", "연합 학습"),
    "nav.optimize": ("Settings advice", "조건 추천"),
    "nav.twin": ("Digital twin", "디지털 트윈"),
    "nav.import": ("Import", "가져오기"),
    "nav.quarantine": ("Quarantine", "격리함"),
    "nav.logout": ("Log out", "로그아웃"),
    "nav.accounts": ("Accounts", "계정"),
    "nav.backups": ("Backups", "백업"),
    "nav.catalogue": ("Shared models", "공유 모델"),
    "nav.lang_other": ("한국어", "English"),
    "nav.signed_in_as": ("Signed in as {user}", "{user} 로그인 중"),
    "nav.breadcrumb": ("Breadcrumb", "현재 위치"),
    # login
    "login.title": ("Log in", "로그인"),
    "login.user_id": ("User ID", "아이디"),
    "login.password": ("Password", "비밀번호"),
    "login.submit": ("Log in", "로그인"),
    "login.failed": ("User ID or password is wrong.", "아이디 또는 비밀번호가 틀렸습니다."),
    "login.missing": ("Enter your user ID and password.", "아이디와 비밀번호를 입력하세요."),
    "login.logged_out": ("You have logged out.", "로그아웃했습니다."),
    "login.expired": ("Please log in to continue.", "계속하려면 로그인하세요."),
    # roles
    "role.operator": ("Platform operator", "플랫폼 운영자"),
    "role.company_admin": ("Company admin", "회사 관리자"),
    "role.engineer": ("Engineer", "엔지니어"),
    "role.viewer": ("Viewer", "조회자"),
    # families
    **{f"family.{family.value}": names for family, names in FAMILY_NAMES.items()},
    "family.complex": ("The whole complex (all processes)", "산단 전체 (모든 공정)"),
    # levels
    "level.company": ("Company", "회사"),
    "level.companies": ("Companies", "입주 기업"),
    "level.site": ("Site", "사업장"),
    "level.sites": ("Sites", "사업장"),
    "level.line": ("Line", "라인"),
    "level.lines": ("Lines", "라인"),
    "level.machine": ("Machine", "설비"),
    "level.machines": ("Machines", "설비"),
    # common fields
    "field.id": ("ID", "ID"),
    "field.name": ("Name", "이름"),
    "field.family": ("Process", "공정"),
    "field.region": ("Region", "지역"),
    "field.timezone": ("Time zone", "시간대"),
    "field.model": ("Model", "모델"),
    "field.line": ("Line", "라인"),
    "field.ideal_cycle": ("Ideal cycle time", "이론 사이클 타임"),
    "field.seconds": ("{value} s", "{value}초"),
    "field.unit": ("Unit", "단위"),
    "field.range": ("Valid range", "유효 범위"),
    "field.description": ("Description", "설명"),
    "field.count_machines": ("Machines", "설비 수"),
    "field.count_lines": ("Lines", "라인 수"),
    "field.open_quarantine": ("Open quarantine", "미처리 격리"),
    "common.none": ("—", "—"),
    "common.empty": ("Nothing here yet.", "아직 없습니다."),
    "common.back": ("Back", "돌아가기"),
    "common.cancel": ("Cancel", "취소"),
    "common.prev": ("Newer", "최신"),
    "common.next": ("Older", "이전"),
    "common.page": ("Page {page}", "{page}쪽"),
    "common.loading": ("Loading…", "불러오는 중…"),
    "common.times_in": ("Times in {zone}", "시각 기준: {zone}"),
    # complex / company
    "complex.title": ("Industrial complex", "산업단지"),
    "complex.find": ("Find", "찾기"),
    "complex.find_hint": ("name, id or region", "이름, 아이디 또는 지역"),
    "complex.all_families": ("all", "전체"),
    "complex.only_quiet": ("only members without recent records", "최근 기록이 없는 회사만"),
    "complex.last_record": ("Last record", "마지막 데이터"),
    "complex.no_record": ("none yet", "아직 없음"),
    "complex.quiet_hint": (
        "Marked: no part record, machine event or reading for more than a working day of its planned time "
        "(weekends and days off do not count) — machines not connected, a collector down, or imports stopped. A "
        "click on a column's title sorts by it.",
        "표시된 회사는 근무 달력의 계획 시간으로 하루 넘게 생산 실적도 설비 이벤트도 측정값도 없습니다 (주말·휴일은 세지 "
        "않음; 설비 미연결, 수집기 중단, 가져오기 중단 등). 열 제목을 누르면 그 열로 정렬합니다.",
    ),
    "complex.no_companies": (
        "No companies yet. Add the first one below (or: sandan company add, POST /api/v1/companies).",
        "아직 등록된 회사가 없습니다. 아래에서 첫 회사를 추가하세요 (또는 sandan company add, POST /api/v1/companies).",
    ),
    "company.no_sites": (
        "This company has no sites yet. Add a site, then its lines and their machines.",
        "이 회사에는 아직 사업장이 없습니다. 사업장을 추가한 뒤 라인과 설비를 추가하세요.",
    ),
    "account.title": ("My account", "내 계정"),
    "account.password": ("Change password", "비밀번호 바꾸기"),
    "account.current": ("Current password", "현재 비밀번호"),
    "account.new": ("New password (8 characters or more)", "새 비밀번호 (8자 이상)"),
    "account.again": ("New password again", "새 비밀번호 확인"),
    "account.change": ("Change", "바꾸기"),
    "account.must_change": (
        "Your password was set by an admin. Choose your own before going on: the admin knows this one.",
        "관리자가 정한 비밀번호입니다. 계속하기 전에 자신의 비밀번호로 바꾸세요. 지금 비밀번호는 관리자도 압니다.",
    ),
    "account.go_on": ("Go on to the start page", "첫 화면으로"),
    "account.changed": (
        "Password changed. Use it next time you sign in.",
        "비밀번호를 바꿨습니다. 다음 로그인부터 쓰세요.",
    ),
    "users.title": ("Users and audit log", "사용자와 작업 기록"),
    "accounts.title": ("Every account", "모든 계정"),
    "backups.title": ("Backups", "백업"),
    "backups.hint": (
        "One archive holds the database and the data folder, kept in {folder}; copy them elsewhere (another disk, "
        'a NAS): a file\'s name downloads it. "sandan restore <file> --data-dir <empty folder>" brings one back. '
        "Collecting goes on during a backup.",
        "백업 파일 하나에 데이터베이스와 데이터 폴더가 담기며 {folder}에 보관됩니다. 다른 디스크나 NAS로 복사해 두세요. "
        "파일 이름을 누르면 내려받습니다. "
        '"sandan restore <파일> --data-dir <빈 폴더>"로 복원합니다. 백업하는 동안에도 수집은 계속됩니다.',
    ),
    "backups.now": ("Back up now", "지금 백업"),
    "backups.space": (
        "{free} GB free of {total} GB on the backups' disk.",
        "백업 디스크 {total} GB 중 {free} GB 남음.",
    ),
    "backups.space_low": (
        "The last archive took {last} GB and a backup needs about twice that while it is written: free some room "
        "or move old archives elsewhere.",
        "최근 백업이 {last} GB였고, 백업하는 동안 그 두 배쯤이 필요합니다. 공간을 비우거나 오래된 백업을 옮기세요.",
    ),
    "backups.daily": (
        "Every day at {at} ({zone}) the server backs up by itself and keeps the newest {keep}; next: {next}.",
        "서버가 매일 {at}({zone})에 스스로 백업하고 최근 {keep}개를 남깁니다. 다음 백업: {next}.",
    ),
    "backups.last": ("Last scheduled backup {time}: {name}.", "최근 자동 백업 {time}: {name}."),
    "backups.last_failed": ("The scheduled backup of {time} failed", "{time} 자동 백업 실패"),
    "backups.no_schedule": (
        "No daily backup is set (SANDAN_BACKUP_AT is empty).",
        "자동 백업이 설정되어 있지 않습니다 (SANDAN_BACKUP_AT이 비어 있음).",
    ),
    "backups.queued": ("waiting to start", "시작 대기 중"),
    "backups.running": ("backing up", "백업 중"),
    "backups.done": ("Backup written: {name}", "백업 파일을 만들었습니다: {name}"),
    "backups.none": ("No backup in the folder yet.", "아직 백업이 없습니다."),
    "takeout.title": ("Take out all data", "데이터 전체 내려받기"),
    "takeout.link_hint": (
        "every record and setting in one ZIP file, to keep a copy of your own or to move elsewhere",
        "모든 기록과 설정을 ZIP 파일 하나로: 보관용 사본이나 이전용",
    ),
    "takeout.hint": (
        "One ZIP file with everything the platform holds for your company. It is made on the server and kept "
        "for download; it holds all your records, so keep it safe.",
        "플랫폼이 귀사에 대해 가진 모든 것을 ZIP 파일 하나로 만듭니다. 서버에서 만들어 두었다가 내려받습니다. "
        "모든 기록이 들어 있으니 안전하게 보관하세요.",
    ),
    "takeout.parts": (
        "Part records and machine events: a CSV file per month that Excel opens, times on the plant's clock; "
        "sandan's import reads them back as the same records.",
        "생산 기록과 설비 상태 기록: 달마다 CSV 파일 하나(엑셀에서 열림, 시각은 공장 시계 기준). "
        "sandan의 가져오기로 다시 넣으면 같은 기록이 됩니다.",
    ),
    "takeout.readings": (
        "Sensor readings: a Parquet file per month (too many rows for a sheet; Power Query, Power BI, pandas or "
        "DuckDB open it).",
        "센서 값: 달마다 Parquet 파일 하나(시트에 담기에는 행이 많아 파워 쿼리, Power BI, pandas, DuckDB로 엽니다).",
    ),
    "takeout.rest": (
        "Model predictions (a CSV a month); sites, lines, machines and signals; users (no passwords); quarantined "
        "records with their raw payload; the audit log (who labelled a stop, and when, too); alerts and their "
        "deliveries; models and the shared models you published or scored; codes, calendar, recipes, alert "
        "rules, partner profile and outcomes, saved lines, documents and uploads. README.txt describes every file.",
        "모델 예측(달마다 CSV 하나), 사업장·라인·설비·신호, 사용자(비밀번호 없음), 격리된 기록과 원본, 감사 기록(정지 "
        "사유를 누가 언제 붙였는지도), 경보와 발송 기록, 모델과 공개하거나 평가한 공유 모델, 코드표·달력·레시피·알림 "
        "규칙·파트너 프로필과 결과·저장한 라인·문서·올린 파일. 파일마다의 설명은 README.txt에 있습니다.",
    ),
    "takeout.now": ("Make the file", "파일 만들기"),
    "takeout.queued": ("waiting to start", "시작을 기다리는 중"),
    "takeout.running": ("writing the file", "파일을 쓰는 중"),
    "takeout.done": (
        "{name} is ready: download it below.",
        "{name}이(가) 준비되었습니다. 아래에서 내려받으세요.",
    ),
    "takeout.part_rows": ("Part records", "생산 기록"),
    "takeout.event_rows": ("Machine events", "설비 상태 기록"),
    "takeout.reading_rows": ("Readings", "센서 값"),
    "takeout.kept": (
        "The newest {keep} files are kept on the server.",
        "서버에는 가장 최근 {keep}개가 남습니다.",
    ),
    "takeout.none": ("No takeout file yet.", "아직 내려받기 파일이 없습니다."),
    "erase.title": ("Erase the company", "회사 지우기"),
    "erase.hint": (
        "For a member that left the complex: its records, plant, users, models, files and settings are deleted, "
        "and its takeout files too. Its shared models stay for the companies that adopted them, withdrawn. This "
        "cannot be undone.",
        "산업단지를 떠난 회사용: 기록, 설비 정보, 사용자, 모델, 파일, 설정을 지우며 내려받기 파일도 지웁니다. 공유한 "
        "모델은 가져간 회사를 위해 내려진 채로 남습니다. 되돌릴 수 없습니다.",
    ),
    "erase.last_takeout": (
        "Its newest takeout: {name} ({time}). Make sure the company has it.",
        "가장 최근 내려받기 파일: {name}({time}). 회사가 받았는지 확인하세요.",
    ),
    "erase.no_takeout": (
        "It has no takeout: make one above first, unless the company does not want its data.",
        "내려받기 파일이 없습니다. 회사가 데이터를 원하지 않는 경우가 아니면 위에서 먼저 만드세요.",
    ),
    "erase.backups": (
        "{count} backup(s) on the server still hold its records until they are pruned.",
        "서버의 백업 {count}개에는 지워질 때까지 이 회사의 기록이 남습니다.",
    ),
    "erase.confirm": ("Type {id} to confirm", "확인하려면 {id} 입력"),
    "erase.button": ("Erase for good", "영구히 지우기"),
    "complex.erased": ("Company {id} was erased.", "회사 {id}을(를) 지웠습니다."),
    "audit.company.erase": ("company erased", "회사 지움"),
    "backups.file": ("File", "파일"),
    "backups.made": ("Made", "만든 시각"),
    "backups.size": ("Size", "크기"),
    "backups.tables": ("Tables", "테이블"),
    "backups.rows": ("Rows", "행"),
    "backups.files": ("Files", "파일 수"),
    "backups.version": ("sandan · schema", "sandan · 스키마"),
    "accounts.hint": (
        "The platform's accounts, the operators first. A company's name opens its users page, where its users are "
        "added, stopped and given roles.",
        "플랫폼의 모든 계정입니다 (운영자가 먼저). 회사 이름을 누르면 그 회사의 사용자 화면에서 사용자를 추가하고, 사용을 "
        "중지하고, 역할을 바꿀 수 있습니다.",
    ),
    "accounts.find_hint": ("id, name or company", "아이디, 이름 또는 회사"),
    "accounts.company": ("Company", "회사"),
    "accounts.audit": ("Platform log (latest 50)", "플랫폼 작업 기록 (최근 50건)"),
    "accounts.audit_hint": (
        "What belongs to no company: the operators' sign-ins and acts, sign-ins tried with user ids no one has, "
        "refused runs of failed sign-ins, erased companies and downloaded backups. Each company's own log is on "
        "its users page.",
        "어느 회사에도 속하지 않는 기록입니다: 운영자의 로그인과 작업, 없는 아이디로 시도한 로그인, 실패가 잦아 거부한 "
        "로그인, 지운 회사, 내려받은 백업. 각 회사의 기록은 그 회사의 사용자 화면에 있습니다.",
    ),
    "accounts.platform": ("platform (operator)", "플랫폼 (운영자)"),
    "accounts.all_roles": ("all", "전체"),
    "accounts.only_stopped": ("only stopped accounts", "사용 중지된 계정만"),
    "users.link_hint": (
        "Who may sign in, and who changed what.",
        "누가 로그인할 수 있는지, 누가 무엇을 바꿨는지.",
    ),
    "users.none": ("No users yet.", "아직 사용자가 없습니다."),
    # a sign-in's detail in the audit log ("inactive from 10.1.2.3", as `accounts.authenticate` writes it)
    "users.sign_in_stopped": ("account stopped", "사용 중지된 계정"),
    "users.sign_in_from": ("from {address}", "{address}에서"),
    "users.role": ("Role", "역할"),
    "users.lang": ("Language", "언어"),
    "users.since": ("Since", "등록"),
    "users.add": ("Add a user", "사용자 추가"),
    "users.add_button": ("Add user", "사용자 추가"),
    "users.login_id": ("Login id", "로그인 아이디"),
    "users.password": ("First password", "처음 비밀번호"),
    "users.hint": (
        "Engineers change data and settings, viewers only look, company admins also manage users. Give the first "
        "password to the person directly; at their first sign-in they must choose their own.",
        "엔지니어는 데이터와 설정을 바꾸고, 조회자는 보기만 하며, 회사 관리자는 사용자도 관리합니다. 처음 비밀번호는 본인에게 직접 "
        "전하세요. 본인은 처음 로그인할 때 자신의 비밀번호로 바꿔야 합니다.",
    ),
    "users.created": ("User {user} added.", "사용자 {user}을(를) 추가했습니다."),
    "users.reset": ("Give a user a new password", "사용자 비밀번호 새로 정하기"),
    "users.password_new": ("New password", "새 비밀번호"),
    "users.reset_button": ("Set password", "비밀번호 정하기"),
    "users.reset_hint": (
        "For a forgotten password. Tell the person directly; at their next sign-in they must choose their own.",
        "비밀번호를 잊었을 때 씁니다. 본인에게 직접 알려 주세요. 본인은 다음 로그인 때 자신의 비밀번호로 바꿔야 합니다.",
    ),
    "users.reset_done": ("{user} has a new password.", "{user}의 비밀번호를 새로 정했습니다."),
    "users.audit": ("Audit log (latest 50)", "작업 기록 (최근 50건)"),
    "users.audit_show": ("Show in the audit log", "작업 기록에서 볼 것"),
    "users.audit_show.changes": ("Changes", "변경 작업"),
    "users.audit_show.sign_ins": ("Sign-ins", "로그인"),
    "users.audit_show.all": ("All", "전체"),
    "users.audit_changes_note": (
        "Successful sign-ins are left out here; failed ones are listed, as a run of them may be someone guessing a "
        "password.",
        "성공한 로그인은 여기서 뺐습니다. 실패한 로그인은 누군가 비밀번호를 추측하는 것일 수 있어 보여 줍니다.",
    ),
    "users.when": ("When", "시각"),
    "users.who": ("Who", "누가"),
    "users.action": ("What", "무엇을"),
    "users.target": ("On", "대상"),
    "users.detail": ("Detail", "내용"),
    "users.system": ("(server)", "(서버)"),
    "audit.alert.acknowledge": ("alert acknowledged", "경보 확인"),
    "audit.alert_rule.create": ("alert rule added", "경보 규칙 추가"),
    "audit.alert_rule.delete": ("alert rule deleted", "경보 규칙 삭제"),
    "audit.alert_rule.put": ("alert rule changed", "경보 규칙 변경"),
    "audit.assist.confirm": ("assistant action confirmed", "도우미 작업 확인"),
    "audit.assist.document_add": ("document added", "문서 추가"),
    "audit.assist.document_delete": ("document deleted", "문서 삭제"),
    "audit.assist.setting_change": ("setting changed by the assistant", "도우미로 설정 변경"),
    "audit.calendar.put": ("shift calendar set", "근무 달력 설정"),
    "audit.codes.put": ("code table set", "코드표 설정"),
    "audit.specs.put": ("specification limits saved", "규격 한계 저장"),
    "audit.specs.delete": ("specification limits removed", "규격 한계 삭제"),
    "audit.catalogue.adopt": ("shared model adopted", "공유 모델 채택"),
    "audit.catalogue.evaluate": ("shared model evaluated", "공유 모델 평가"),
    "audit.catalogue.publish": ("model published", "모델 공개"),
    "audit.catalogue.withdraw": ("shared model withdrawn", "공유 모델 내림"),
    "audit.company.create": ("company registered", "회사 등록"),
    "audit.company.put": ("company details changed", "회사 정보 변경"),
    "audit.company.takeout": ("all data written to a takeout file", "데이터 전체를 내려받기 파일로 만듦"),
    "audit.company.takeout_download": ("takeout file downloaded", "내려받기 파일을 받음"),
    "audit.backup.download": ("backup downloaded", "백업 파일을 받음"),
    "audit.backup.start": ("backup started", "백업 시작"),
    "audit.import.start": ("file import started", "파일 가져오기 시작"),
    "audit.job.cancel": ("long job stopped", "긴 작업 멈춤"),
    "audit.line.delete": ("line deleted", "라인 삭제"),
    "audit.line.put": ("line saved", "라인 저장"),
    "audit.login.failed": ("failed sign-in", "로그인 실패"),
    "audit.login.throttled": ("sign-in refused after repeated failures", "실패가 잦아 로그인 거부"),
    "audit.login.ok": ("signed in", "로그인"),
    "audit.machine.delete": ("machine deleted", "설비 삭제"),
    "audit.machine.put": ("machine saved", "설비 저장"),
    "audit.model.train": ("model trained", "모델 학습"),
    "audit.model.train.start": ("model training started", "모델 학습 시작"),
    "audit.quarantine.discard": ("quarantined record discarded", "격리 기록 폐기"),
    "audit.quarantine.replay": ("quarantined record fixed and stored", "격리 기록 수정·저장"),
    "audit.signals.put": ("signals saved", "신호 저장"),
    "audit.site.delete": ("site deleted", "사업장 삭제"),
    "audit.site.put": ("site saved", "사업장 저장"),
    "audit.token.create": ("API token issued", "API 토큰 발급"),
    "audit.user.create": ("user added", "사용자 추가"),
    "audit.user.password": ("own password changed", "본인 비밀번호 변경"),
    "audit.user.password_refused": (
        "password change refused (wrong current password)",
        "비밀번호 변경 거부 (현재 비밀번호 틀림)",
    ),
    "audit.user.password_reset": ("password reset by an admin", "관리자가 비밀번호 재설정"),
    "audit.user.role": ("role changed", "역할 변경"),
    "audit.user.stop": ("account stopped", "계정 사용 중지"),
    "audit.token.revoke": ("API token revoked", "API 토큰 폐기"),
    "account.tokens": ("API tokens", "API 토큰"),
    "account.tokens_hint": (
        "A script or an edge gateway signs in with a token that acts as you: send it as "
        "'Authorization: Bearer <token>'. Revoke a token when what uses it is replaced or the token may have leaked.",
        "스크립트나 엣지 게이트웨이는 나로서 동작하는 토큰으로 접속합니다. 'Authorization: Bearer <토큰>'으로 보내세요. "
        "토큰을 쓰는 장비를 바꾸거나 토큰이 새어 나갔을 수 있으면 폐기하세요.",
    ),
    "account.tokens_none": ("No API tokens.", "API 토큰이 없습니다."),
    "account.token_name": ("Used by", "쓰는 곳"),
    "account.token_name_hint": ("e.g. line 2 gateway", "예: 2라인 게이트웨이"),
    "account.token_days": ("Days valid (empty: no expiry)", "유효 일수 (비우면 만료 없음)"),
    "account.token_created": ("Created", "만든 때"),
    "account.token_expires": ("Expires", "만료"),
    "account.token_never": ("never", "없음"),
    "account.token_last_used": ("Last used", "마지막 사용"),
    "account.token_unused": ("not yet", "아직 없음"),
    "account.token_expired": ("expired", "만료됨"),
    "account.token_create": ("Create token", "토큰 만들기"),
    "account.token_revoke": ("Revoke", "폐기"),
    "account.token_revoke_confirm": (
        "Revoke the token '{name}'? Whatever uses it is refused from now on.",
        "'{name}' 토큰을 폐기할까요? 이 토큰을 쓰는 곳은 이제부터 거부됩니다.",
    ),
    "account.token_new": (
        "Token '{name}' created. Copy it now: it is shown only this once.",
        "'{name}' 토큰을 만들었습니다. 지금 복사하세요. 이번 한 번만 보여 줍니다.",
    ),
    "account.token_revoked": ("Token '{name}' revoked.", "'{name}' 토큰을 폐기했습니다."),
    "audit.user.activate": ("account restored", "계정 다시 사용"),
    "users.state": ("Sign-in", "로그인"),
    "users.active": ("allowed", "가능"),
    "users.inactive": ("stopped", "사용 중지"),
    "users.stop_button": ("Stop", "사용 중지"),
    "users.restore_button": ("Restore", "다시 사용"),
    "users.stop_confirm": (
        "Stop {user}'s account? They are signed out everywhere and cannot sign in until it is restored.",
        "{user} 계정을 사용 중지할까요? 모든 곳에서 로그아웃되고, 다시 사용하게 할 때까지 로그인할 수 없습니다.",
    ),
    "users.stopped_done": (
        "{user}'s account is stopped: signed out everywhere, and sign-in is refused.",
        "{user} 계정을 사용 중지했습니다. 모든 곳에서 로그아웃되었고 로그인이 거부됩니다.",
    ),
    "users.restored_done": ("{user} can sign in again.", "{user}이(가) 다시 로그인할 수 있습니다."),
    "users.change_role": ("Give a user another role", "사용자 역할 바꾸기"),
    "users.new_role": ("New role", "새 역할"),
    "users.change_role_button": ("Change role", "역할 바꾸기"),
    "users.role_done": ("{user} has the new role.", "{user}의 역할을 바꿨습니다."),
    "users.role_hint": (
        "A company admin's role, your own included, only the platform operator changes; the company keeps at "
        "least one admin.",
        "회사 관리자의 역할은 자신의 것도 플랫폼 운영자만 바꿀 수 있습니다. 회사에는 관리자가 한 명 이상 있어야 "
        "합니다.",
    ),
    "assets.add_company": ("Add a company", "회사 추가"),
    "assets.add_site": ("Add a site", "사업장 추가"),
    "assets.add_line": ("Add a line", "라인 추가"),
    "assets.add_machine": ("Add a machine", "설비 추가"),
    "assets.edit_machine": ("Change this machine", "설비 정보 고치기"),
    "assets.edit_company": ("Change this company (its id stays)", "회사 정보 고치기 (ID는 그대로)"),
    "assets.add": ("Add", "추가"),
    "assets.add_signal": ("Add a signal", "신호 추가"),
    "assets.edit_signal": ("Change signal {name} (its name stays)", "신호 {name} 고치기 (이름은 그대로)"),
    "assets.edit": ("Change", "고치기"),
    "assets.signal_name": ("Name in the data", "데이터 속 이름"),
    "assets.min": ("Lowest valid", "유효 최솟값"),
    "assets.max": ("Highest valid", "유효 최댓값"),
    "assets.signal_hint": (
        "The name exactly as the machine, gateway or file sends it (e.g. melt_temp_c). Readings outside the valid "
        "range go to quarantine; leave a limit empty for none.",
        "설비·게이트웨이·파일이 보내는 이름 그대로 적으세요(예: melt_temp_c). 유효 범위를 벗어난 값은 격리함으로 갑니다. "
        "한계가 없으면 비워 두세요.",
    ),
    "assets.save": ("Save", "저장"),
    "assets.delete_site": ("Delete this site", "이 사업장 삭제"),
    "assets.delete_line": ("Delete this line", "이 라인 삭제"),
    "assets.delete_machine": ("Delete this machine", "이 설비 삭제"),
    "assets.delete_hint_site": ("only once it has no lines", "라인이 하나도 없을 때만"),
    "assets.delete_hint_line": ("only once it has no machines", "설비가 하나도 없을 때만"),
    "assets.delete_hint_machine": (
        "only a machine without records, registered by mistake; one with records is kept for its history",
        "기록이 없는, 잘못 등록한 설비만. 기록이 있는 설비는 이력을 위해 남습니다",
    ),
    "assets.delete_confirm": (
        "Delete {name}? This cannot be undone.",
        "{name}을(를) 삭제할까요? 되돌릴 수 없습니다.",
    ),
    "assets.deleted": ("{id} was deleted.", "{id}을(를) 삭제했습니다."),
    "assets.saved": ("Saved.", "저장했습니다."),
    "assets.ideal_cycle_s": ("Ideal cycle time (s)", "이론 사이클 타임 (초)"),
    "assets.id_hint": (
        "ID: letters, digits, '.', '_' or '-', e.g. {example}; data and addresses refer to it, so it cannot be "
        "changed later.",
        "ID: 영문자·숫자·'.'·'_'·'-' (예: {example}). 데이터와 주소가 이 ID를 쓰므로 나중에 바꿀 수 없습니다.",
    ),
    "assets.cycle_hint": (
        "Seconds per part at the standard speed: OEE's performance compares each machine with it.",
        "표준 속도에서 부품 1개에 걸리는 초. OEE 성능 가동률이 이 값과 비교합니다.",
    ),
    "company.actions": ("Data", "데이터"),
    "company.import_hint": (
        "Bring in an Excel or CSV file from your machines or MES.",
        "설비나 MES에서 받은 엑셀·CSV 파일을 가져옵니다.",
    ),
    "company.quarantine_hint": (
        "Rejected records waiting for a fix: {count}",
        "수정을 기다리는 거부 레코드 {count}건",
    ),
    "connectors.title": ("Machine connections", "설비 연결"),
    "connectors.none": (
        "No collectors run in this server for this company, and no edge agent (sandan edge run) has reported "
        "(files and the API still work).",
        "이 서버에서 이 회사의 수집기가 돌고 있지 않고, 보고한 엣지 에이전트(sandan edge run)도 없습니다 (파일 가져오기와 "
        "API는 쓸 수 있습니다).",
    ),
    "connectors.arriving": (
        "Part records still arrive — {count} in the last hour, the latest at {time}: from file imports, the API or a "
        "process of this server (such as the demo's virtual plant).",
        "생산 실적은 계속 들어오고 있습니다 — 최근 1시간 {count}건, 마지막 {time}: 파일 가져오기, API 또는 이 서버의 "
        "프로세스(데모의 가상 공장 등)에서 옵니다.",
    ),
    "connectors.name": ("Connector", "수집기"),
    "connectors.kind": ("Protocol", "프로토콜"),
    "connectors.state": ("State", "상태"),
    "connectors.last": ("Last message", "마지막 수신"),
    "connectors.rate": ("Records/s", "초당 건수"),
    "connectors.records": ("Records", "수신 건수"),
    "connectors.errors": ("Errors", "오류"),
    "connectors.gaps": ("Sequence gaps", "순번 누락"),
    "connectors.buffer": ("Buffered", "버퍼"),
    "connectors.shared": ("shared with other companies: state only", "다른 회사와 공유: 상태만 표시"),
    "connectors.state.connected": ("connected", "연결됨"),
    "connectors.state.disconnected": ("disconnected", "끊김"),
    "connectors.state.starting": ("starting", "시작 중"),
    "connectors.state.error": ("error", "오류"),
    "connectors.state.stopped": ("stopped", "멈춤"),
    "connectors.state.silent": ("silent", "응답 없음"),
    "connectors.state.paused": ("paused: buffer full", "일시 중지: 버퍼 가득 참"),
    "connectors.earlier_error": (
        "Connected again; its last error, at {time}:",
        "다시 연결됨. 마지막 오류({time}):",
    ),
    "connectors.edge": ("edge agent {agent}", "엣지 에이전트 {agent}"),
    "connectors.reported": ("last report {time}", "마지막 보고 {time}"),
    "connectors.history": ("Edge link history", "엣지 연결 이력"),
    "connectors.history.shown": ("the latest {n}", "최근 {n}건"),
    "connectors.history.at": ("When", "시각"),
    "connectors.history.agent": ("Edge agent", "엣지 에이전트"),
    "connectors.history.change": ("What changed", "변화"),
    "connectors.history.silent": (
        "no report for {span}, until {until}",
        "{span} 동안 보고 없음 ({until}까지)",
    ),
    "connectors.history.removed": ("no longer reported", "더 이상 보고되지 않음"),
    "connectors.history.became": ("now {state}", "상태 → {state}"),
    "site.no_lines": ("No lines at this site yet.", "이 사업장에는 아직 라인이 없습니다."),
    "line.no_machines": ("No machines on this line yet.", "이 라인에는 아직 설비가 없습니다."),
    # machine
    "machine.facts": ("Machine", "설비 정보"),
    "machine.oee": ("OEE and stops of this machine", "이 설비의 OEE와 정지"),
    "machine.advice": ("What should I change on it?", "이 설비에서 무엇을 바꿔야 할까요?"),
    "machine.signals": ("Signals", "신호"),
    "machine.no_signals": (
        "No signals defined. Import readings with signal registration on to define them.",
        "정의된 신호가 없습니다. 신호 자동 등록을 켜고 측정값을 가져오면 정의됩니다.",
    ),
    "machine.chart": ("Recent readings", "최근 측정값"),
    "machine.chart_signal": ("Signal", "신호"),
    "machine.chart_time": ("Time", "시각"),
    "machine.chart_days": ("{n} d", "{n}일"),
    "machine.chart_hours": ("{n} h", "{n}시간"),
    "machine.chart_minutes": ("{n} min", "{n}분"),
    "machine.chart_range": ("Range", "기간"),
    "machine.chart_live": ("Live: refreshes every {seconds} s", "실시간: {seconds}초마다 갱신"),
    "machine.chart_updated": ("Updated {time}", "{time} 갱신"),
    "machine.chart_empty": ("No readings in this range.", "이 기간에 측정값이 없습니다."),
    "machine.chart_error": ("Could not load readings: {message}", "측정값을 불러오지 못했습니다: {message}"),
    "machine.chart_points": ("{count} points", "{count}개 점"),
    "machine.chart_avg": ("average per {bucket}", "{bucket} 평균"),
    "export.parts": ("Download part records", "부품 기록 내려받기"),
    "report.production": (
        "Production report (Excel: OEE, by machine and shift, stops, defects)",
        "생산 일보 (엑셀: OEE, 설비·교대별, 정지, 불량)",
    ),
    "report.yesterday": ("production day {day}", "생산일 {day}"),
    "report.today": ("production day {day} so far", "생산일 {day} (지금까지)"),
    "report.day_help": (
        "A production day runs from the first shift's start to the next day's, so a night shift is reported whole",
        "생산일은 첫 교대 시작부터 다음 날 첫 교대 시작까지라 야간 교대가 나뉘지 않습니다",
    ),
    "export.table": ("Download this table", "이 표 내려받기"),
    "range.1h": ("1 hour", "1시간"),
    "range.6h": ("6 hours", "6시간"),
    "range.24h": ("24 hours", "24시간"),
    "range.7d": ("7 days", "7일"),
    "range.30d": ("30 days", "30일"),
    "range.365d": ("1 year", "1년"),
    "range.day": ("One production day…", "생산일 하루…"),
    "machine.parts": ("Part records", "생산 실적"),
    "machine.parts_range": ("Newest first · {total} in total", "최신순 · 전체 {total}건"),
    "machine.no_parts": ("No part records yet.", "아직 생산 실적이 없습니다."),
    "part.time": ("Time", "시각"),
    "part.part_id": ("Part", "부품"),
    "part.lot_id": ("Lot", "로트"),
    "part.product": ("Product", "품목"),
    "part.result": ("Result", "판정"),
    "part.defect_type": ("Defect", "불량 유형"),
    "part.params": ("Process parameters", "공정 조건"),
    "part.measures": ("Measured", "측정값"),
    "result.ok": ("OK", "양품"),
    "result.ng": ("NG", "불량"),
    # import
    "import.title": ("Import a file", "파일 가져오기"),
    "import.step_upload": ("1 Upload", "1 올리기"),
    "import.step_preview": ("2 Check and map", "2 확인·매핑"),
    "import.step_import": ("3 Import", "3 가져오기"),
    "import.step_receipt": ("4 Receipt", "4 결과"),
    "import.file": ("File (CSV, Excel, Parquet)", "파일 (CSV, 엑셀, Parquet)"),
    "import.upload": ("Upload and preview", "올리고 미리 보기"),
    "import.upload_hint": (
        "Korean spreadsheets in CP949/EUC-KR are recognised. Nothing is stored until you press Import.",
        "CP949/EUC-KR 한글 파일도 인식합니다. '가져오기'를 누르기 전에는 아무것도 저장되지 않습니다.",
    ),
    "import.no_file": ("Choose a file to upload.", "올릴 파일을 선택하세요."),
    "import.no_write": (
        "Your role may view data but not import it.",
        "현재 권한으로는 조회만 할 수 있고 가져오기는 할 수 없습니다.",
    ),
    "import.preview": ("Preview", "미리 보기"),
    "import.filename": ("File", "파일"),
    "import.nothing_stored": ("Nothing stored — every row rejected", "저장 없음 — 모든 행 거부"),
    "import.done_with_rejects": ("Done, with rejected rows", "완료 — 거부된 행 있음"),
    "import.encoding": ("Detected encoding", "감지된 인코딩"),
    "import.encoding_chosen": ("Encoding", "인코딩"),
    "import.encoding_choice": ("Read the file as", "파일을 읽을 인코딩"),
    "import.check": ("Import check", "가져오기 검사"),
    "import.check_again": ("Check the sample with this mapping", "이 매핑으로 예시 행 다시 검사"),
    "import.sheet": ("Sheet", "시트"),
    "import.rows_total": ("Rows", "행 수"),
    "import.warnings": ("Warnings", "주의"),
    "import.columns": ("Columns and their roles", "열과 역할"),
    "import.column": ("Column", "열"),
    "import.detected": ("Detected", "감지"),
    "import.role": ("Role", "역할"),
    "import.sample": ("Sample rows", "예시 행"),
    "import.mapping": ("Mapping", "매핑"),
    "import.kind": ("Data kind", "데이터 종류"),
    "import.kind.reading": ("Sensor readings", "센서 측정값"),
    "import.kind.part": ("Part records", "생산 실적"),
    "import.kind.event": ("Machine events", "설비 상태 이벤트"),
    "import.no_time": ("Files without a time column", "시간 열이 없는 파일"),
    "import.start_time": ("Time of the first row", "첫 행의 시각"),
    "import.interval_s": ("Seconds between rows", "행 간격(초)"),
    "import.format": ("Format", "형식"),
    "import.size": ("Size", "크기"),
    "job.queued": ("Waiting", "대기 중"),
    "job.running": ("Running", "진행 중"),
    "job.done": ("Done", "완료"),
    "job.failed": ("Failed", "실패"),
    "job.stopped": ("Stopped", "멈춤"),
    "job.left": ("about {time} left", "약 {time} 남음"),
    "job.left_s": ("{n} s", "{n}초"),
    "job.left_min": ("{n} min", "{n}분"),
    "job.left_h": ("{h} h {m} min", "{h}시간 {m}분"),
    "import.layout": ("Layout", "형태"),
    "import.layout.long": ("Long (one value per row)", "세로형 (행마다 값 하나)"),
    "import.layout.wide": ("Wide (one column per signal)", "가로형 (신호마다 열 하나)"),
    "import.timezone": ("Time zone of times without one", "시간대가 없는 시각의 시간대"),
    "import.date_order": ("Dates such as 5/12/2026", "5/12/2026 같은 날짜"),
    "import.date_order.auto": ("from the file (25/12 settles it)", "파일에서 판단 (25/12 같은 날짜로)"),
    "import.date_order.dmy": ("day/month/year", "일/월/연"),
    "import.date_order.mdy": ("month/day/year", "월/일/연"),
    "import.machine": ("Machine for every row", "모든 행의 설비"),
    "import.machine_from_column": ("— from a column —", "— 열에서 읽기 —"),
    "import.register_signals": ("Define new signals automatically", "새 신호 자동 등록"),
    "import.run": ("Import", "가져오기"),
    "import.progress": ("Importing…", "가져오는 중…"),
    "import.progress_rows": ("{done} of {total} rows", "{total}행 중 {done}행"),
    "import.queued": ("Waiting to start…", "시작 대기 중…"),
    "import.not_started": ("The import was not started:", "가져오기를 시작하지 않았습니다:"),
    "import.run_blocked": (
        "Import is off: as the check above says, the import would stop. Change the mapping (Import is then on "
        "again) and press Check again.",
        "가져오기가 꺼져 있습니다: 위 검사대로라면 가져오기가 중단됩니다. 매핑을 바꾸고(그러면 다시 켜집니다) 다시 확인을 "
        "누르세요.",
    ),
    "import.new_signals": (
        "This import would define {n} new signal(s):",
        "이 가져오기로 새 신호 {n}개가 정의됩니다:",
    ),
    "import.register_signals_hint": (
        "Define the signals the file names that its machines do not have yet; the preview lists them first",
        "파일에 있지만 설비에 아직 없는 신호를 정의합니다. 미리보기에 먼저 목록이 나옵니다",
    ),
    "import.back_to_mapping": ("Back to the mapping (choices kept)", "매핑으로 돌아가기 (선택 유지)"),
    "import.failed": ("The import stopped", "가져오기가 중단되었습니다"),
    "import.receipt": ("Receipt", "가져오기 결과"),
    "import.received": ("Rows read", "읽은 행"),
    "import.accepted": ("Accepted", "저장"),
    "import.duplicates": ("Duplicates (already stored)", "중복 (이미 저장됨)"),
    "import.rejected": ("Rejected", "거부"),
    "import.reasons": ("Reasons for rejects", "거부 사유"),
    "import.already_quarantined": (
        "{n} of the rejected rows were already waiting in quarantine from an earlier import: each is kept there once",
        "거부된 행 중 {n}행은 이전 가져오기에서 이미 격리함에 있습니다: 한 번만 보관됩니다",
    ),
    "import.issues": ("First rejected rows", "처음 거부된 행"),
    "import.row": ("Row", "행"),
    "import.row_as_excel": (
        "row number as in Excel (the header is row 1), as the receipt and quarantine count",
        "엑셀과 같은 행 번호(머리글이 1행) — 영수증과 격리함도 이렇게 셉니다",
    ),
    "import.reason": ("Reason", "사유"),
    "import.signals_registered": ("Signals defined", "등록된 신호"),
    "import.to_quarantine": ("Open the quarantine to fix rejected rows", "격리함에서 거부된 행 고치기"),
    "import.recent": ("Recent imports", "최근 가져오기"),
    "import.reread": ("Read again", "다시 읽기"),
    "import.see_rows": ("See the rows on the machine page:", "설비 화면에서 데이터 보기:"),
    "import.another": ("Import another file", "다른 파일 가져오기"),
    "import.batch": ("Batch", "배치"),
    "import.not_found": (
        "This upload no longer exists; upload the file again.",
        "업로드를 찾을 수 없습니다. 파일을 다시 올리세요.",
    ),
    "import.job_not_found": (
        "This import job is unknown (the server may have restarted).",
        "가져오기 작업을 찾을 수 없습니다 (서버가 다시 시작되었을 수 있습니다).",
    ),
    # roles of import columns
    "colrole.ignore": ("ignore", "무시"),
    "colrole.time": ("time", "시각"),
    "colrole.date": ("date (joined to the time)", "날짜 (시각과 합침)"),
    "colrole.machine_id": ("machine", "설비"),
    "colrole.signal": ("signal name", "신호 이름"),
    "colrole.value": ("value", "값"),
    "colrole.unit": ("unit", "단위"),
    "colrole.part_id": ("part id", "부품 번호"),
    "colrole.lot_id": ("lot id", "로트 번호"),
    "colrole.product": ("product", "품목"),
    "colrole.result": ("result (ok/ng)", "판정 (양품/불량)"),
    "colrole.defect_type": ("defect type", "불량 유형"),
    "colrole.start": ("start", "시작"),
    "colrole.end": ("end", "종료"),
    "colrole.state": ("state", "상태"),
    "colrole.reason_code": ("reason code", "사유 코드"),
    "colrole.note": ("note", "메모"),
    "colrole.param": ("parameter: {name}", "공정 조건: {name}"),
    "colrole.measure": ("measured: {name}", "측정값: {name}"),
    "colrole.signal_named": ("signal: {name}", "신호: {name}"),
    # quarantine
    "q.title": ("Quarantine", "격리함"),
    "q.intro": (
        "Records that failed a check wait here with the reason. Fix and replay them, or discard them with a comment.",
        "검사를 통과하지 못한 레코드가 사유와 함께 여기 보관됩니다. 고쳐서 다시 넣거나, 의견을 남기고 폐기하세요.",
    ),
    "q.status.open": ("Open", "미처리"),
    "q.status.replayed": ("Replayed", "재처리됨"),
    "q.status.discarded": ("Discarded", "폐기됨"),
    "q.status.all": ("All", "전체"),
    "q.empty": ("No records in quarantine.", "격리된 레코드가 없습니다."),
    "q.item": ("Quarantined record #{id}", "격리 레코드 #{id}"),
    "q.received": ("Received", "받은 시각"),
    "q.repeats": ("came {n} more times, last {last}", "{n}번 더 들어옴, 마지막 {last}"),
    "q.repeats_hint": (
        "The same record with the same reason arrived again while this item waited (a file imported again, a "
        "resent batch, a sensor repeating itself); it is kept once and counted here.",
        "이 항목이 기다리는 동안 같은 레코드가 같은 사유로 다시 들어왔습니다 (같은 파일 다시 가져오기, 다시 보낸 묶음, "
        "같은 값을 되풀이하는 센서). 한 번만 보관하고 여기서 셉니다.",
    ),
    "q.kind": ("Kind", "종류"),
    "q.kind.reading": ("reading", "측정값"),
    "q.kind.part": ("part record", "생산 실적"),
    "q.kind.event": ("machine event", "설비 이벤트"),
    "q.kind.file": ("file", "파일"),
    "q.kind.message": ("undecodable message", "해석할 수 없는 메시지"),
    "q.all_reasons": ("all reasons", "모든 사유"),
    "q.narrow": ("Show", "보기"),
    "q.same_batch": ("the open items of this import", "이 가져오기의 열린 항목"),
    "q.bulk_discard": ("Discard all {n}", "{n}건 모두 폐기"),
    "q.bulk_confirm": (
        "Discard all {n} open items shown by this filter? They stay in the list as discarded, with your comment.",
        "이 조건의 열린 항목 {n}건을 모두 폐기할까요? 의견과 함께 폐기됨으로 남습니다.",
    ),
    "q.bulk_done": ("{n} items discarded.", "{n}건을 폐기했습니다."),
    "audit.quarantine.discard_many": ("quarantined items discarded together", "격리 항목 일괄 폐기"),
    "q.kind.batch": ("batch refused whole", "통째로 거부된 묶음"),
    "q.file_size": ("Size", "크기"),
    "q.bytes": ("{n} bytes", "{n}바이트"),
    "q.file_sha256": ("SHA-256 checksum", "SHA-256 체크섬"),
    "q.file_head": ("First bytes", "첫 부분"),
    "q.file_binary": (
        "not text (e.g. a workbook); its first bytes are kept, not shown",
        "텍스트가 아님(예: 엑셀 통합 문서). 첫 바이트는 보관하되 보여 주지 않습니다",
    ),
    "q.not_replayable": (
        "This is no single record (a whole file, an undecodable message or a batch refused whole), so it cannot be "
        "replayed here: fix the source and send or import it again, then discard this entry with a comment.",
        "레코드 하나가 아니어서(파일 전체, 해석할 수 없는 메시지, 통째로 거부된 묶음) 여기서 다시 넣을 수 없습니다. 원본을 "
        "고쳐 다시 보내거나 가져온 뒤, 이 항목은 의견을 적어 폐기하세요.",
    ),
    "q.source": ("Source", "출처"),
    "q.where": ("Where", "위치"),
    "q.where_fmt": ("row {row}, column {column}", "{row}행, {column} 열"),
    "q.reason": ("Reason", "사유"),
    "q.status": ("Status", "상태"),
    "q.raw": ("Record", "레코드"),
    "q.stored": ("Stored, as corrected", "고쳐서 저장한 레코드"),
    "q.received_as": ("As received", "받은 그대로"),
    "q.raw_json": ("raw (JSON)", "원본 (JSON)"),
    "q.stored_json": ("as stored (JSON)", "저장된 그대로 (JSON)"),
    "q.changed": ("corrected before replaying", "다시 넣기 전에 고친 값"),
    "q.open": ("Inspect", "보기"),
    "q.edit_hint": (
        "Edit the record (JSON) and replay it through the same checks as the original import.",
        "레코드(JSON)를 고친 뒤 처음 가져올 때와 같은 검사로 다시 넣습니다.",
    ),
    "q.fields_hint": (
        "Correct the marked value and replay the record through the same checks as the original import. An "
        "empty box is sent as no value.",
        "표시된 값을 고친 뒤 처음 가져올 때와 같은 검사로 다시 넣습니다. 빈 칸은 값이 없는 것으로 넣습니다.",
    ),
    "q.field": ("Field", "항목"),
    "q.value": ("Value", "값"),
    "q.faulty": ("rejected", "거부된 값"),
    "q.edit_json": ("Edit as JSON", "JSON으로 고치기"),
    "q.timezone": ("Time zone of times without one", "시간대가 없는 시각의 시간대"),
    "q.replay": ("Fix and replay", "고쳐서 다시 넣기"),
    "q.replayed_ok": (
        "Accepted: the record is stored and marked replayed.",
        "저장되었습니다. 레코드를 재처리됨으로 표시했습니다.",
    ),
    "q.replayed_dup": (
        "The record was already stored; marked replayed.",
        "이미 저장된 레코드입니다. 재처리됨으로 표시했습니다.",
    ),
    "q.rejected_again": ("Rejected again: {reason}", "다시 거부되었습니다: {reason}"),
    "q.bad_json": ("The record is not valid JSON: {error}", "레코드가 올바른 JSON이 아닙니다: {error}"),
    "q.not_object": ("The record must be one JSON object {…}.", "레코드는 JSON 객체 {…} 하나여야 합니다."),
    "q.discard": ("Discard", "폐기"),
    "q.comment": ("Comment (why is it discarded?)", "의견 (폐기 이유)"),
    "q.comment_required": ("Write a comment to discard.", "폐기하려면 의견을 적으세요."),
    "q.discarded_ok": ("Discarded.", "폐기했습니다."),
    "q.closed": ("This record is {status}; nothing more to do.", "이 레코드는 {status} 상태입니다."),
    "q.resolved_by": ("by {user} at {time}", "{user}, {time}"),
    "q.not_found": ("Quarantine record {id} not found.", "격리 레코드 {id}을(를) 찾을 수 없습니다."),
    # monitoring (OEE, quality, alerts, benchmarks)
    "mon.title": ("Monitoring", "모니터링"),
    "mon.complex_title": ("Complex OEE", "산업단지 설비종합효율"),
    "mon.tab_oee": ("OEE", "설비종합효율"),
    "mon.tab_quality": ("Quality", "품질"),
    "mon.tab_alerts": ("Alerts", "경보"),
    "mon.tab_benchmark": ("Benchmark", "동종 비교"),
    "mon.level_complex": ("complex", "산업단지"),
    "mon.level_company": ("company", "회사"),
    "mon.level_line": ("line", "라인"),
    "mon.level_machine": ("machine", "설비"),
    "mon.children_complex": ("Companies", "입주 기업"),
    "mon.children_company": ("Lines", "라인"),
    "mon.children_line": ("Machines", "설비"),
    "mon.children_machine": ("Shifts", "근무조"),
    "mon.range": ("Period", "기간"),
    "mon.kpi_oee": ("OEE", "설비종합효율(OEE)"),
    "mon.kpi_availability": ("Availability", "시간 가동률"),
    "mon.kpi_effectiveness": ("Performance", "성능 가동률"),
    "mon.kpi_quality": ("Quality ratio", "양품률"),
    "mon.parts_per_hour": ("parts per hour", "시간당 부품 수"),
    "mon.kpi_defect_rate": ("Defect rate", "불량률"),
    "mon.shift_partial": ("(part: {part} of {whole} h)", "(일부: {whole}시간 중 {part}시간)"),
    "mon.kpi_quality_help": (
        "Good parts' share of the output, each part counted by its ideal cycle time (as OEE counts it). On a line "
        "or plant whose machines or products have different ideal cycle times — a faster machine's part weighs "
        "less — it differs from good ÷ produced and from 1 − the quality page's defect rate, which count parts; "
        "on one machine making one product they agree.",
        "생산량 중 양품의 비율이며, 부품마다 이상 사이클 타임만큼 가중합니다(OEE 계산과 같음). 설비나 제품마다 이상 "
        "사이클 타임이 다른 라인·공장에서는 빠른 설비의 부품이 덜 무겁게 세어지므로, 부품 수로 센 양품 ÷ 생산량이나 "
        "품질 화면의 1 − 불량률과 다릅니다. 한 설비가 한 제품을 만들면 같습니다.",
    ),
    "mon.col_name": ("Name", "이름"),
    "mon.find_member": ("name or id", "이름 또는 아이디"),
    "mon.col_produced": ("Produced", "생산 수량"),
    "mon.col_scrap": ("Scrap", "불량 수량"),
    "mon.col_down_h": ("Breakdowns (h)", "고장 정지(시간)"),
    "mon.trend": ("Daily OEE", "일별 OEE"),
    "mon.day": ("Day", "일자"),
    "mon.losses": ("Six big losses", "6대 로스"),
    "mon.downtime_pareto": (
        "Stop time by reason (breakdowns, setups, minor stops)",
        "정지 사유별 시간 (고장·작업준비·순간정지)",
    ),
    "mon.reason": ("Reason", "사유"),
    "mon.hours": ("Hours", "시간"),
    "mon.hours_value": ("{h} h", "{h}시간"),
    "mon.minutes": ("Minutes", "분"),
    "mon.events": ("Events", "건수"),
    "mon.share": ("Share", "비율"),
    "mon.cumulative": ("Cumulative", "누적"),
    "mon.no_downtime": ("No stops in this period.", "이 기간에는 정지가 없습니다."),
    "mon.unexplained": ("Down time without a reason", "사유 없는 정지"),
    "mon.unexplained_help": (
        "Give each stop a reason code so the Pareto shows where time is lost.",
        "정지마다 사유 코드를 입력하면 어디서 시간이 손실되는지 파레토에 나타납니다.",
    ),
    "mon.none_unexplained": ("Every stop has a reason.", "모든 정지에 사유가 있습니다."),
    "mon.start": ("Start", "시작"),
    "mon.end": ("End", "끝"),
    "mon.reason_placeholder": ("reason code, e.g. tool_change", "사유 코드 (예: tool_change)"),
    "mon.label": ("Save", "저장"),
    "mon.labelled": ("Reason saved.", "사유를 저장했습니다."),
    "mon.live": ("Updates every {seconds} s", "{seconds}초마다 갱신"),
    "mon.updated": ("Updated {time}", "{time} 갱신"),
    "mon.hourly": ("Output per hour", "시간대별 생산"),
    "mon.produced": ("Produced", "생산"),
    "mon.scrap": ("Scrap", "불량"),
    "mon.error": ("Could not load: {message}", "불러오지 못했습니다: {message}"),
    "mon.quality": ("Quality", "품질"),
    "mon.quality_by_product": ("Quality by product", "제품별 품질"),
    "mon.product": ("Product", "제품"),
    "mon.defect_rate": ("Defect rate", "불량률"),
    "mon.fpy": ("First-pass yield", "직행률"),
    "mon.defect_pareto": ("Defects by type", "불량 유형별 파레토"),
    "mon.defect_type": ("Defect type", "불량 유형"),
    "mon.control_chart": ("Control chart", "관리도"),
    "mon.chart_kind": ("Chart", "관리도 종류"),
    "mon.chart_p": ("p (scrap share per hour)", "p (시간별 불량률)"),
    "mon.scrap_share": ("scrap share", "불량률"),
    "mon.time": ("Time", "시각"),
    "mon.no_records": ("nothing recorded in this period", "이 기간 기록 없음"),
    "mon.more_violations": (
        "… and {n} earlier points that break a rule (marked in red on the chart)",
        "… 그 전에도 규칙을 벗어난 점 {n}개 (차트에 빨간 점으로 표시)",
    ),
    "mon.calendar_unreadable": (
        "its shift calendar cannot be read: counted in the default two shifts",
        "근무 달력을 읽을 수 없어 기본 2교대로 계산",
    ),
    "mon.parts_only": (
        "part records only, no machine states: no OEE",
        "부품 기록만 있고 설비 상태 기록이 없어 OEE 없음",
    ),
    "mon.chart_laney_p": (
        "p′ Laney (scrap share per hour; limits allow for variation between machines or lots)",
        "p′ Laney (시간별 불량률; 설비·로트 사이 변동을 반영한 한계)",
    ),
    "mon.sigma_z_p": (
        "σz = {value}: the hours spread {value} times as much as chance alone would make them (several machines, "
        "lots or settings), so these limits flag ordinary hours too; p′ Laney allows for that spread.",
        "σz = {value}: 시간별 불량률이 우연만으로 생길 변동의 {value}배로 흩어집니다(여러 설비·로트·조건). 그래서 이 한계는 "
        "평범한 시간도 이상으로 표시합니다. p′ Laney는 이 변동을 반영합니다.",
    ),
    "mon.sigma_z": (
        "σz = {value}: the hours spread {value} times as much as chance alone would make them; the p′ limits allow "
        "for that, an ordinary p chart's do not.",
        "σz = {value}: 시간별 불량률이 우연만으로 생길 변동의 {value}배로 흩어집니다. p′ 한계는 이를 반영하고, 일반 p 관리도의 "
        "한계는 반영하지 않습니다.",
    ),
    "mon.chart_u": ("u (scrap per part per hour)", "u (시간별 단위당 불량)"),
    "mon.chart_c": ("c (scrap count per hour)", "c (시간별 불량 수)"),
    "mon.chart_np": ("np (scrap count per hour, equal hours)", "np (시간별 불량 수, 같은 부분군 크기)"),
    "mon.chart_imr": ("I-MR (individual values)", "I-MR (개별값)"),
    "mon.chart_xbar_r": ("X̄-R (subgroups of 5)", "X̄-R (부분군 5)"),
    "mon.chart_xbar_s": ("X̄-S (subgroups of 5)", "X̄-S (부분군 5)"),
    "mon.characteristic": ("Characteristic", "측정 항목"),
    "mon.show": ("Show", "보기"),
    "mon.point": ("Point", "시점"),
    "mon.series": ("Chart", "도표"),
    "mon.capability": ("Process capability (Cp, Cpk)", "공정능력 (Cp, Cpk)"),
    "mon.machine": ("Machine", "설비"),
    "mon.all_machines": ("all machines", "전체 설비"),
    "mon.phase1_until": ("Phase I until", "1단계 끝"),
    "mon.phase1_from": ("Phase I from", "1단계 시작"),
    "mon.rule_phase1": ("limits from {start} – {end}", "관리 한계: {start} – {end}"),
    "mon.rule_phase1_hint": (
        "Phase I (optional): the control limits come from this fixed period and stay; without it they come from "
        "the last day's points each time.",
        "1단계(선택): 관리 한계를 이 고정된 기간의 점으로 정해 유지합니다. 비워 두면 매번 최근 하루의 점으로 정합니다.",
    ),
    "mon.phase1_help": (
        "The control limits come from the points before this time (phase I); the later ones are judged against "
        "them (phase II). Empty: the whole period sets them. A click on a point of the chart ends phase I there.",
        "이 시각 전의 점들(1단계)로 관리 한계를 정하고, 그 뒤의 점들(2단계)은 그 한계로 판정합니다. 비워 두면 기간 전체로 "
        "정합니다. 관리도에서 점을 누르면 그 점까지가 1단계가 됩니다.",
    ),
    "mon.phase1_note": (
        "Limits from points 1–{n}, up to {time} (phase I); points {next}–{total} are judged against them (phase II).",
        "관리 한계는 {time}까지의 1–{n}번 점(1단계)에서 정했고, {next}–{total}번 점(2단계)은 이 한계로 판정합니다.",
    ),
    "mon.phase1_all": (
        "Every point of the chart lies before the end of phase I: the limits come from all of them. Choose an earlier "
        "time to judge the later points against the ones before.",
        "관리도의 모든 점이 1단계 끝보다 앞에 있어 모든 점으로 관리 한계를 정했습니다. 뒤의 점을 앞의 점으로 판정하려면 더 "
        "이른 시각을 고르세요.",
    ),
    "mon.phase1_whole": (
        "Limits from the whole period. To judge the points after a change against the process before it, click the "
        'last point before the change or set "Phase I until".',
        "관리 한계는 기간 전체에서 정했습니다. 변경 뒤의 점들을 변경 전 공정으로 판정하려면 변경 직전의 점을 누르거나 "
        "'1단계 끝'을 정하세요.",
    ),
    "mon.spc_mixed": (
        "The parts of several machines in one chart: their differences show as rule violations. Pick a machine to "
        "see one process.",
        "여러 설비의 부품이 한 관리도에 섞여 있어 설비 사이의 차이가 규칙 위반으로 나타납니다. 한 공정을 보려면 설비를 "
        "고르세요.",
    ),
    "mon.lsl": ("LSL", "규격 하한"),
    "mon.usl": ("USL", "규격 상한"),
    "mon.cap_index": ("Index", "지수"),
    "mon.cap_computing": (
        "Computing the study and its confidence intervals…",
        "공정능력과 신뢰구간을 계산하는 중…",
    ),
    "mon.cap_need_limits": (
        "No specification limits are known for this characteristic: enter the specification limits (LSL, USL or "
        "both) from the part's drawing.",
        "이 측정 항목의 규격 한계를 모릅니다. 도면의 규격 한계(하한, 상한 또는 둘 다)를 입력하세요.",
    ),
    "mon.cap_value": ("Value", "값"),
    "mon.cap_ci": ("95 % confidence interval", "95% 신뢰구간"),
    "mon.cap_sigma": ("Spread used", "사용한 산포"),
    "mon.cap_within": ("σ within (short term)", "군내 σ (단기)"),
    "mon.cap_overall": ("σ overall (long term)", "전체 σ (장기)"),
    "mon.cap_summary": (
        "{n} measurements, mean {mean}, σ within {sw}, σ overall {so}. Outside the limits: {out} ({share}, "
        "{observed} ppm).",
        "측정 {n}개, 평균 {mean}, 군내 σ {sw}, 전체 σ {so}. 규격을 벗어난 측정: {out}개 ({share}, {observed} ppm).",
    ),
    "mon.cap_expected": (
        "A normal distribution with this mean and σ overall would put {ppm} ppm outside the limits.",
        "이 평균과 전체 σ의 정규분포라면 {ppm} ppm이 규격을 벗어납니다.",
    ),
    "mon.cap_needs_both": ("needs both limits (LSL and USL)", "규격 하한과 상한이 모두 있어야 계산"),
    "mon.cap_one_sided": ("one-sided: {ratio}", "단측: {ratio}"),
    "mon.cap_undetermined": (
        "Not judged: the measurements are not normal and no distribution fits them; judge by the share out of limits.",
        "판정하지 않음: 측정값이 정규분포가 아니고 맞는 분포도 없습니다. 규격을 벗어난 비율로 판단하세요.",
    ),
    "mon.cap_capable": ("Capable: Cpk {cpk} ≥ 1.33.", "공정능력 충분: Cpk {cpk} ≥ 1.33."),
    "mon.cap_marginal": (
        "Marginal: Cpk {cpk} is between 1.00 and 1.33; most customers ask for 1.33.",
        "공정능력 부족 우려: Cpk {cpk} (1.00 이상 1.33 미만). 대부분의 고객사는 1.33 이상을 요구합니다.",
    ),
    "mon.cap_not_capable": (
        "Not capable: Cpk {cpk} < 1.00; the process makes parts outside the limits.",
        "공정능력 부족: Cpk {cpk} < 1.00. 규격을 벗어나는 부품이 나오는 공정입니다.",
    ),
    "mon.cap_not_normal": (
        "The measurements are not normally distributed (normality test {p}). Cp, Cpk, Pp and Ppk assume a normal "
        "distribution and are not reliable here, and the ppm a normal model would expect does not describe these "
        "data, so it is not shown. The figure to trust is the observed rate outside the limits: {share} "
        "({observed} ppm).",
        "측정값이 정규분포를 따르지 않습니다(정규성 검정 {p}). Cp, Cpk, Pp, Ppk는 정규분포를 가정하므로 여기서는 믿을 수 "
        "없고, 정규분포 모형의 예상 ppm은 이 데이터를 설명하지 못하므로 표시하지 않습니다. 믿을 수치는 실제로 규격을 "
        "벗어난 비율 {share} ({observed} ppm)입니다.",
    ),
    "mon.cap_mixed": (
        "These measurements mix the parts of {machines} machines; different machines side by side are a likely "
        "reason the distribution is not normal. Choose one machine in the Machine list above and show again.",
        "이 측정값에는 설비 {machines}대의 부품이 섞여 있습니다. 설비마다 분포가 다르면 합친 분포가 정규분포를 따르지 "
        "않는 경우가 많습니다. 위의 설비 목록에서 설비 하나를 골라 다시 보세요.",
    ),
    "mon.cap_spec_company": (
        "These are the limits your company saved for this characteristic.",
        "이 한계는 회사가 이 측정 특성에 저장한 규격입니다.",
    ),
    "mon.cap_save": ("Save these limits", "이 규격 저장"),
    "mon.rule_invalid": (
        "not valid any more ({why}): it is not evaluated — delete it and add it again",
        "더 이상 올바르지 않은 규칙입니다 ({why}). 평가하지 않습니다 — 지우고 다시 추가하세요",
    ),
    "mon.cap_saved": (
        "Saved: {name} {lsl} – {usl}. Capability studies and the assistant use them from now on.",
        "저장했습니다: {name} {lsl} – {usl}. 이제 공정능력 분석과 도우미가 이 규격을 씁니다.",
    ),
    "mon.cap_spec_process": (
        "These limits are the process model's drawing limits, not taken from the data; if your part's drawing "
        "differs, type its limits.",
        "이 한계는 공정 모델 도면의 규격이며 데이터에서 구한 값이 아닙니다. 자사 도면의 규격이 다르면 그 값을 입력하세요.",
    ),
    "mon.capnn_title": (
        "Capability of non-normal data (percentile method, ISO 22514-2)",
        "정규분포가 아닌 데이터의 공정능력 (백분위수 방법, ISO 22514-2)",
    ),
    "mon.capnn_fitted": (
        "Fitted distribution: {dist} (Anderson–Darling test of the fit: A² = {a2}, {p}). Its 0.135 %, 50 % and "
        "99.865 % points, {low}, {median} and {high}, take the place of mean ∓ 3σ and the mean in Pp and Ppk.",
        "적합한 분포: {dist} (적합도 앤더슨-달링 검정: A² = {a2}, {p}). 이 분포의 0.135%, 50%, 99.865% 점 "
        "{low}, {median}, {high}이(가) Pp와 Ppk에서 평균 ∓ 3σ와 평균을 대신합니다.",
    ),
    "mon.capnn_expected": (
        "The fitted distribution expects {ppm} ppm outside the limits; {observed} ppm were observed.",
        "적합한 분포로는 {ppm} ppm이 규격을 벗어납니다. 실측은 {observed} ppm입니다.",
    ),
    "mon.capnn_basis": (
        "0.135–99.865 % points of the fitted distribution",
        "적합 분포의 0.135~99.865% 점",
    ),
    "mon.capnn_bootstrap": (
        "The intervals are a bootstrap of {b} resamples.",
        "신뢰구간은 재표본 {b}개의 부트스트랩으로 구했습니다.",
    ),
    "mon.capnn_no_fit": (
        "No distribution tried fits these measurements either ({tried}), so no capability index for non-normal "
        "data is given: the observed rate outside the limits is the only figure.",
        "시도한 분포 중 이 측정값에 맞는 분포도 없습니다({tried}). 그래서 비정규 데이터용 공정능력 지수도 "
        "제시하지 않습니다. 실제로 규격을 벗어난 비율만이 믿을 수 있는 수치입니다.",
    ),
    "mon.capnn_too_few": (
        "Fewer than {min} measurements: too few to fit a distribution out to its 0.135 % tails, so no capability "
        "index for non-normal data is given.",
        "측정값이 {min}개 미만이라 0.135% 꼬리까지 분포를 맞추기에 부족합니다. 비정규 데이터용 공정능력 지수는 "
        "제시하지 않습니다.",
    ),
    "mon.capnn_capable": (
        "By the percentile method: capable, Ppk {ppk} ≥ 1.33.",
        "백분위수 방법으로는 공정능력 충분: Ppk {ppk} ≥ 1.33.",
    ),
    "mon.capnn_marginal": (
        "By the percentile method: marginal, Ppk {ppk} is between 1.00 and 1.33.",
        "백분위수 방법으로는 공정능력 부족 우려: Ppk {ppk} (1.00 이상 1.33 미만).",
    ),
    "mon.capnn_not_capable": (
        "By the percentile method: not capable, Ppk {ppk} < 1.00.",
        "백분위수 방법으로는 공정능력 부족: Ppk {ppk} < 1.00.",
    ),
    "mon.capnn_dist_box_cox": (
        "normal after a Box-Cox transformation (λ = {lambda})",
        "Box-Cox 변환(λ = {lambda}) 후 정규분포",
    ),
    "mon.capnn_dist_box_cox_plain": ("normal after a Box-Cox transformation", "Box-Cox 변환 후 정규분포"),
    "mon.capnn_dist_johnson_su": ("Johnson SU (unbounded)", "존슨 SU (비유계)"),
    "mon.capnn_dist_johnson_sb": ("Johnson SB (bounded)", "존슨 SB (유계)"),
    "mon.capnn_dist_johnson_sl": ("Johnson SL (lognormal)", "존슨 SL (로그정규)"),
    "mon.capnn_dist_johnson": ("Johnson curves", "존슨 분포"),
    "mon.capnn_dist_weibull_3p": ("3-parameter Weibull", "3모수 와이블"),
    "mon.capnn_threshold_at_edge": (
        "no fit: its threshold runs into the smallest value (a shape below 1)",
        "적합 불가: 임계값이 최솟값에 붙습니다 (형상 모수 1 미만)",
    ),
    "mon.capnn_not_positive": ("not tried: needs positive values", "양수 값에만 적용 가능"),
    "mon.capnn_no_curve": ("no curve through the quantiles", "분위수에 맞는 곡선 없음"),
    "mon.series_i": ("I (individual values)", "I (개별값)"),
    "mon.series_mr": ("MR (moving range)", "MR (이동범위)"),
    "mon.series_xbar": ("X̄ (subgroup mean)", "X̄ (부분군 평균)"),
    "mon.series_r": ("R (subgroup range)", "R (부분군 범위)"),
    "mon.series_s": ("S (subgroup standard deviation)", "S (부분군 표준편차)"),
    "mon.series_p": ("p (scrap share)", "p (불량률)"),
    "mon.series_np": ("np (scrap count)", "np (불량 수)"),
    "mon.series_c": ("c (scrap count)", "c (불량 수)"),
    "mon.series_u": ("u (scrap per part)", "u (단위당 불량)"),
    "mon.rule": ("Rule", "규칙"),
    "mon.violation": ("Rule violation", "규칙 위반"),
    "mon.in_control": ("No rule violations: the process is in control.", "규칙 위반 없음: 관리 상태입니다."),
    "mon.alerts": ("Alerts", "경보"),
    "mon.status_open": ("Open", "발생 중"),
    "mon.status_closed": ("Closed", "해제"),
    "mon.status_all": ("All", "전체"),
    "mon.opened": ("Opened", "발생 시각"),
    "mon.severity": ("Severity", "심각도"),
    "mon.sev_info": ("Info", "정보"),
    "mon.sev_warning": ("Warning", "주의"),
    "mon.sev_critical": ("Critical", "위험"),
    "mon.subject": ("Where", "대상"),
    "mon.message": ("What", "내용"),
    "mon.state": ("State", "상태"),
    "mon.ack": ("Acknowledged", "확인"),
    "mon.ack_comment": ("Comment: what is being done", "의견: 어떤 조치를 하는지"),
    "mon.ack_button": ("Acknowledge", "확인"),
    "mon.ack_pending": ("Not yet acknowledged", "미확인"),
    "mon.acked_by": ("{user} at {time}", "{user}, {time}"),
    "mon.no_alerts": ("No alerts here.", "경보가 없습니다."),
    "mon.rules": ("Alert rules", "경보 규칙"),
    "mon.no_rules": ("No alert rules yet.", "경보 규칙이 아직 없습니다."),
    "mon.rules_api": (
        "Every kind of rule (also rate of change and predicted defects, webhooks) can be set through the API: "
        "/api/v1/companies/…/alerts/rules.",
        "모든 종류의 규칙(급변, 불량 예측, 웹훅 포함)은 API(/api/v1/companies/…/alerts/rules)로도 설정합니다.",
    ),
    "mon.rule_new": ("New rule", "새 규칙"),
    "mon.condition": ("Condition", "조건"),
    "mon.rule_name_hint": ("e.g. Mould temperature too high", "예: 금형 온도 과열"),
    "mon.rule_all_machines": ("every machine", "모든 설비"),
    "mon.signal": ("Signal", "신호"),
    "mon.direction": ("When the reading is", "측정값이"),
    "mon.above": ("above", "초과"),
    "mon.below": ("below", "미만"),
    "mon.limit": ("Limit", "한계값"),
    "mon.oee_target": ("OEE target (%)", "OEE 목표(%)"),
    "mon.silent_minutes": ("Minutes without a reading", "수신 없는 시간(분)"),
    "mon.email_to": ("E-mail to", "이메일 받는 사람"),
    "mon.rule_create": ("Add rule", "규칙 추가"),
    "mon.rule_delete": ("Delete", "삭제"),
    "mon.rule_delete_confirm": (
        "Delete the rule “{name}”? Its alerts stay in the inbox.",
        "규칙 “{name}”을(를) 삭제할까요? 이 규칙의 경보는 목록에 남습니다.",
    ),
    "mon.rule_name_needed": ("Give the rule a name.", "규칙 이름을 입력하세요."),
    "mon.kind": ("Kind", "종류"),
    "mon.kind_threshold": ("Reading beyond a limit", "측정값 한계 초과"),
    "mon.kind_rate_of_change": ("Reading changing too fast", "측정값 급변"),
    "mon.kind_no_data": ("No data", "데이터 끊김"),
    "mon.kind_spc": ("SPC rule violation", "관리도 규칙 위반"),
    "mon.kind_oee_drop": ("OEE below target", "OEE 목표 미달"),
    "mon.kind_prediction": ("Predicted defects", "불량 예측"),
    "mon.enabled": ("Enabled", "사용"),
    "mon.yes": ("yes", "예"),
    "mon.no": ("no", "아니요"),
    "mon.benchmark": ("Peer benchmark", "동종 업체 비교"),
    "mon.last_1d": ("Last 24 hours", "최근 24시간"),
    "mon.last_7d": ("Last 7 days", "최근 7일"),
    "mon.last_30d": ("Last 30 days", "최근 30일"),
    "mon.last_90d": ("Last 90 days", "최근 90일"),
    "mon.bench_help": (
        "Anonymous: only quantiles across at least {k} companies (of the same process, then of the whole complex) are "
        "shown, never one company's figures. Rates differ by process, so read the whole complex's as a rough guide.",
        "익명 비교: {k}개 이상 회사(같은 공정, 그리고 산단 전체)가 있을 때 분위수만 보여 주며, 개별 회사의 수치는 "
        "보여 주지 않습니다. 공정마다 수치의 수준이 다르므로 산단 전체 비교는 대략적인 참고로 보세요.",
    ),
    "mon.higher_better": ("higher is better", "높을수록 좋음"),
    "mon.lower_better": ("lower is better", "낮을수록 좋음"),
    "mon.contributors": ("{n} companies contribute", "{n}개 회사 참여"),
    "mon.mine": ("Yours", "우리 회사"),
    "mon.bench_own_since": (
        "Your figures run from your first record, {since}, not from the start of the span: nothing was recorded "
        "before it.",
        "우리 회사 수치는 기간의 시작이 아니라 첫 기록 시각({since})부터 계산했습니다. 그 전에는 기록이 없습니다.",
    ),
    "mon.unrecorded_note": (
        "{share}% of your planned time in this period has no records after your first one, and counts as a loss in "
        "your OEE: a collector or a machine that stopped sending. Check the connectors' state on your company page.",
        "이 기간 계획 시간의 {share}%에 기록이 없어 OEE에서 손실로 계산되었습니다(첫 기록 이후 수집기나 설비가 "
        "전송을 멈춘 시간). 회사 화면에서 연결 상태를 확인하세요.",
    ),
    "mon.better_than": ("better than {share}% of the others", "다른 회사의 {share}%보다 좋음"),
    "mon.too_few": (
        "Not shown: fewer than {k} companies contribute data.",
        "표시하지 않음: 참여 회사가 {k}개 미만입니다.",
    ),
    "mon.no_families": ("No companies yet.", "회사가 아직 없습니다."),
    # assistant (sandan.assist)
    "nav.assist": ("Assistant", "도우미"),
    "assist.title": ("Manufacturing assistant", "제조 도우미"),
    "assist.ask": ("Ask", "질문"),
    "assist.question": ("Question", "질문"),
    "assist.examples": ("Try", "예시"),
    "assist.example1": ("What is the OEE of each machine today?", "오늘 설비별 OEE 알려줘"),
    "assist.example2": ("Show me the defect Pareto", "불량 파레토 보여줘"),
    "assist.example3": ("Scrap rate by lot", "로트별 불량률 보여줘"),
    "assist.example4": ("What does the inspection standard say?", "검사기준서 내용 알려줘"),
    "assist.sources": ("Sources", "근거"),
    "assist.call": ("exact call", "호출 내용"),
    "assist.rows_more": ("{n} rows in all; the first 25 are shown.", "전체 {n}행 중 25행만 보여 줍니다."),
    "assist.pending": ("Waiting for your confirmation", "확인을 기다리는 작업"),
    "assist.pending_others": (
        "Waiting for the confirmation of an engineer or an admin of your company",
        "회사의 엔지니어나 관리자의 확인을 기다리는 작업",
    ),
    "assist.confirm": ("Confirm", "확인하고 실행"),
    "assist.confirmed": ("Confirmed and recorded.", "확인하여 기록했습니다."),
    "assist.unsafe": (
        "This answer proposed a setting outside the machine's limits; do not apply it.",
        "이 답에 설비 한계를 벗어난 설정이 있습니다. 적용하지 마세요.",
    ),
    "assist.flow.quality": ("Quality control", "품질 관리"),
    "assist.flow.production": ("Production process", "생산 공정"),
    "assist.flow.quality.intro": (
        "Why did scrap rise, where, which lot, which parameter, and what to change — step by step from your data.",
        "불량이 왜 늘었는지, 어디서, 어느 로트, 어떤 변수, 무엇을 바꿀지 데이터로 차례차례 봅니다.",
    ),
    "assist.flow.production.intro": (
        "Where the bottleneck is, what stops the line, what-if with the digital twin, and what is due for maintenance.",
        "병목이 어디인지, 무엇이 라인을 멈추는지, 디지털 트윈으로 가정해 보기, 보전이 필요한 곳을 봅니다.",
    ),
    "assist.period": ("Period", "기간"),
    "assist.run": ("Run", "실행"),
    "assist.pick_scope": ("Pick a machine or a line and run.", "설비나 라인을 고르고 실행하세요."),
    "assist.documents": ("Documents", "문서"),
    "assist.documents.intro": (
        "Work standards, manuals and inspection standards (PDF, DOCX, TXT, MD) the assistant searches and cites.",
        "도우미가 찾아서 근거로 인용하는 작업표준서, 매뉴얼, 검사기준서 (PDF, DOCX, TXT, MD).",
    ),
    "assist.blank": (
        "Type a question, or pick one of the examples.",
        "질문을 입력하거나 예시 중 하나를 고르세요.",
    ),
    "assist.documents.choose": ("Choose a file to upload first.", "올릴 파일을 먼저 고르세요."),
    "assist.documents.upload": ("Upload", "올리기"),
    "assist.documents.delete": ("Delete", "삭제"),
    "assist.documents.chunks": ("Passages", "문단 수"),
    "assist.documents.uploaded": ("Uploaded", "올린 시각"),
    "assist.documents.empty": ("No documents yet.", "아직 문서가 없습니다."),
    "assist.documents.added": ("The document was added.", "문서를 추가했습니다."),
    "assist.documents.deleted": ("The document was deleted.", "문서를 삭제했습니다."),
    # partners (sandan.connect)
    "nav.connect": ("Partners", "협력 매칭"),
    "connect.title": ("Company profile and partners", "회사 프로필과 협력 매칭"),
    "connect.edit": ("Edit profile", "프로필 편집"),
    "connect.save": ("Save", "저장"),
    "connect.no_profile": (
        "No profile yet: create one to be matched with partners.",
        "아직 프로필이 없습니다. 만들면 협력사와 연결해 드립니다.",
    ),
    "connect.role": ("Role", "구분"),
    "connect.role.demand": ("Manufacturer", "수요 기업"),
    "connect.role.supplier": ("Technology supplier", "공급 기업"),
    "connect.role.both": ("Both", "수요·공급"),
    "connect.listed": ("Listed in the partner directory", "협력 명부에 공개"),
    "connect.unlisted": ("Not listed", "비공개"),
    "connect.shares": ("shares measured figures", "측정 지표 공유 동의"),
    "connect.not_shares": ("does not share measured figures", "측정 지표 비공유"),
    "connect.listed_consent": (
        "List us in the partner directory (name, processes, needs, offerings)",
        "협력 명부에 공개 (회사명, 공정, 요구, 제안)",
    ),
    "connect.measured_consent": (
        "Show partners our measured machine types, OEE and defect rate",
        "협력사에 측정된 설비 종류, OEE, 불량률을 보여 줌",
    ),
    "connect.measured": ("Measured on the platform over the last {span}", "플랫폼 측정값 (최근 {span})"),
    "connect.measured_since": (
        "Measured on the platform since its first record ({span})",
        "플랫폼 측정값 (첫 기록 이후 {span})",
    ),
    "connect.defect_rate": ("defect rate", "불량률"),
    "connect.certifications": ("Certifications (comma-separated)", "인증 (쉼표로 구분)"),
    "codes.title": ("Code table", "코드표"),
    "codes.help": (
        "The names of your stop-reason and defect codes, as machines and files send them (E01, SS-03): the Paretos, "
        "the reports and the assistant show the name instead of the code.",
        "설비와 파일이 보내는 정지 사유 코드와 불량 코드(E01, SS-03)의 이름입니다. 파레토, 보고서, 도우미가 코드 대신 이 "
        "이름을 보여 줍니다.",
    ),
    "codes.saved": ("Saved. Names show from now on.", "저장했습니다. 이제부터 이름으로 보입니다."),
    "codes.unnamed": (
        "Codes in your records of the last {days} days without a name (times used):",
        "최근 {days}일 기록에 있지만 이름이 없는 코드 (쓰인 횟수):",
    ),
    "codes.kind.reasons": ("Stop reasons", "정지 사유"),
    "codes.kind.defects": ("Defects", "불량"),
    "codes.example.reasons": ("E01, 금형 교체, Mould change", "E01, 금형 교체, Mould change"),
    "codes.example.defects": ("burr, 버, Burr", "burr, 버, Burr"),
    "codes.format": (
        "One code per line: the code, its Korean name, its English name, separated by commas (leave the English "
        "out and the Korean serves for both).",
        "한 줄에 코드 하나: 코드, 한국어 이름, 영어 이름을 쉼표로 나눕니다 (영어를 비우면 한국어를 함께 씁니다).",
    ),
    "codes.file": (
        "or add a CSV saved from Excel (columns kind, code, ko, en)",
        "또는 엑셀에서 저장한 CSV 파일 추가 (열: kind, code, ko, en)",
    ),
    "codes.save": ("Save code table", "코드표 저장"),
    "codes.link_hint": ("Names of stop-reason and defect codes", "정지 사유·불량 코드의 이름"),
    "cal.title": ("Shift calendar", "근무 달력"),
    "cal.help": (
        "When the plant plans to produce: every OEE figure counts its planned time from these shifts, breaks and "
        "working days. Time outside them is not counted as loss.",
        "공장이 생산을 계획하는 시간입니다. 모든 OEE는 이 근무조·휴식·근무일로 계획 시간을 셉니다. 그 밖의 시간은 손실로 세지 "
        "않습니다.",
    ),
    "cal.now": ("In use:", "사용 중:"),
    "cal.default": (
        "the default — not set for this company yet",
        "기본값 — 이 회사는 아직 정하지 않았습니다",
    ),
    "cal.saved": (
        "Saved. OEE of every period is counted with this calendar from now on.",
        "저장했습니다. 이제 모든 기간의 OEE를 이 달력으로 셉니다.",
    ),
    "cal.presets": ("Start from", "시작할 틀"),
    "cal.preset.one": ("One shift 08–17", "1교대 08–17시"),
    "cal.preset.two": ("Two 12-h shifts", "2교대 12시간"),
    "cal.preset.three": ("Three 8-h shifts", "3교대 8시간"),
    "cal.preset_unsaved": ("filled in below — not saved yet", "아래에 채웠습니다 — 아직 저장하지 않았습니다"),
    "cal.shifts": ("Shifts", "근무조"),
    "cal.shift_name": ("Name", "이름"),
    "cal.start": ("Starts", "시작"),
    "cal.end": ("Ends", "끝"),
    "cal.breaks": ("Breaks", "휴식"),
    "cal.shifts_help": (
        "An end before the start is a night shift that ends the next morning. Breaks as 12:00-13:00, a name "
        "after it if you like (12:00-13:00 lunch), several separated by commas. Leave a row empty to drop it. "
        "A planned stop's reason code, when it is not 'planned', goes in brackets before its note: [PM].",
        "끝이 시작보다 이르면 다음 날 아침에 끝나는 야간조입니다. 휴식은 12:00-13:00처럼(이름을 붙여도 됩니다: 12:00-13:00 "
        "점심), 여럿이면 쉼표로 나눕니다. 빈 줄은 빠집니다. 계획 정지의 사유 코드가 'planned'가 아니면 메모 앞에 대괄호로 "
        "씁니다: [PM].",
    ),
    "cal.days": ("Working days", "근무일"),
    "cal.weekday.0": ("Mon", "월"),
    "cal.weekday.1": ("Tue", "화"),
    "cal.weekday.2": ("Wed", "수"),
    "cal.weekday.3": ("Thu", "목"),
    "cal.weekday.4": ("Fri", "금"),
    "cal.weekday.5": ("Sat", "토"),
    "cal.weekday.6": ("Sun", "일"),
    "cal.korean_holidays": ("Korean public holidays are days off", "대한민국 공휴일은 쉽니다"),
    "cal.holidays": ("Other days off (one date per line)", "그 밖의 쉬는 날 (한 줄에 날짜 하나)"),
    "cal.extra_days": (
        "Extra working days (a Saturday or holiday worked)",
        "추가 근무일 (일하는 토요일·공휴일)",
    ),
    "cal.stops": ("Planned stops (maintenance, stock-taking)", "계획 정지 (정비, 재고 조사)"),
    "cal.stops_example": ("stock-taking", "재고 조사"),
    "cal.timezone": ("Time zone", "시간대"),
    "cal.save": ("Save calendar", "달력 저장"),
    "cal.link": ("Shift calendar", "근무 달력"),
    "cal.link_hint": ("The planned time OEE counts from", "OEE가 세는 계획 시간"),
    "cal.planned": ("Planned time:", "계획 시간:"),
    "cal.change": ("change", "바꾸기"),
    "connect.capacity": ("Capacity", "생산 여력"),
    "connect.contact": ("Contact", "연락처"),
    "connect.contact_hint": (
        "e.g. Kim, production engineering, 010-1234-5678",
        "예: 생산기술팀 김대리 010-1234-5678",
    ),
    "connect.contact_help": (
        "Shown to the companies matched with you when your profile is listed, so they can get in touch",
        "프로필을 공개하면 매칭된 회사에 보여 주어 연락할 수 있게 합니다",
    ),
    "connect.no_contact": (
        "none given — ask the complex office to introduce you",
        "등록되지 않음 — 산업단지 사무국에 소개를 요청하세요",
    ),
    "connect.needs": ("Needs, one per line", "요구 사항 (한 줄에 하나)"),
    "connect.offerings": ("Offerings, one per line: title: description", "제안 (한 줄에 하나, 제목: 설명)"),
    "connect.need": ("Need", "요구"),
    "connect.offering": ("Offering", "제안"),
    "connect.no_match": ("No match yet.", "아직 맞는 곳이 없습니다."),
    "connect.last_outcome": ("You recorded: {outcome} ({time})", "기록한 결과: {outcome} ({time})"),
    "connect.outcome.contacted": ("Contacted", "연락함"),
    "connect.outcome.success": ("Worked", "성공"),
    "connect.outcome.failure": ("Did not work", "실패"),
    "connect.outcome.declined": ("Declined", "거절"),
    "connect.done.saved": ("Profile saved.", "프로필을 저장했습니다."),
    "connect.done.outcome": (
        "Outcome recorded; it will inform later matches.",
        "결과를 기록했습니다. 이후 매칭에 반영됩니다.",
    ),
    "connect.done.saved_no_process": (
        "Profile saved. It names no process, so matches cannot put first the suppliers who work with your "
        "processes: tick the ones your plant runs.",
        "프로필을 저장했습니다. 공정을 하나도 고르지 않아 귀사 공정을 다루는 공급 기업을 앞에 둘 수 없습니다. 공장의 공정을 "
        "고르세요.",
    ),
    # digital twin (line models, simulation, scenarios, scheduling)
    "twin.title": ("Digital twin", "디지털 트윈"),
    "twin.intro": (
        "Model a line, try a change on the twin before spending money, and compare the options side by side. "
        "Every figure comes with its 95 % confidence interval.",
        "라인을 모델로 만들고, 돈을 쓰기 전에 트윈에서 변경을 시험하고, 대안을 나란히 비교합니다. "
        "모든 수치에는 95% 신뢰구간이 함께 나옵니다.",
    ),
    "twin.new": ("New line model", "새 라인 모델"),
    "twin.lines": ("Saved line models", "저장된 라인 모델"),
    "twin.no_lines": ("No line models saved yet.", "저장된 라인 모델이 아직 없습니다."),
    "twin.id": ("ID", "ID"),
    "twin.name": ("Name", "이름"),
    "twin.station": ("Station", "공정"),
    "twin.stations": ("Stations", "공정"),
    "twin.machines": ("Machines", "설비 수"),
    "twin.release": ("Release", "투입 방식"),
    "twin.saved_at": ("Saved", "저장 시각"),
    "twin.open": ("Open", "열기"),
    "twin.edit": ("Edit", "편집"),
    "twin.from_store": ("Build from a real line", "실제 라인으로 만들기"),
    "twin.from_store_intro": (
        "Machines, measured cycle times, failures and scrap of the last 30 days become a line model you can edit.",
        "최근 30일의 설비, 측정 사이클 타임, 고장, 불량으로 편집할 수 있는 라인 모델을 만듭니다.",
    ),
    "twin.real_line": ("Line", "라인"),
    "twin.from_layout": ("Layout", "배치"),
    "twin.layout.by_process": (
        "machines of one process side by side",
        "같은 공정 설비는 나란히(병렬)",
    ),
    "twin.layout.series": ("each machine one step in series", "설비마다 차례로(직렬)"),
    "twin.from_store_grouped": (
        "Machines of one process became one station of parallel machines: {groups}. If they work one after "
        "another, build the line again with the layout “each machine one step in series”.",
        "같은 공정의 설비를 병렬 설비 한 공정으로 묶었습니다: {groups}. 설비들이 차례로 작업한다면 배치를 "
        "“설비마다 차례로(직렬)”로 하여 다시 만드세요.",
    ),
    "twin.from_store_group": ("{station} ({n} machines)", "{station} (설비 {n}대)"),
    "twin.from_store_calendar": (
        "The line works the hours of the company's shift calendar, less breaks: {hours}. Runs cover a whole day "
        "(from 00:00), so output per hour counts the hours off too.",
        "라인은 회사 교대 달력의 근무 시간(휴식 제외)에만 일합니다: {hours}. 실행은 하루 전체(00:00부터)를 "
        "시뮬레이션하므로 시간당 생산량에는 쉬는 시간도 들어갑니다.",
    ),
    "twin.build": ("Build", "만들기"),
    "twin.recent": ("Recent runs", "최근 실행"),
    "twin.kind.run": ("Simulation", "시뮬레이션"),
    "twin.kind.compare": ("Scenario comparison", "시나리오 비교"),
    "twin.kind.schedule": ("Schedule", "일정 계획"),
    "twin.state_queued": ("Waiting to start…", "시작 대기 중…"),
    "twin.state_running": ("Running…", "실행 중…"),
    "twin.state_done": ("Done", "완료"),
    "twin.state_failed": ("Failed", "실패"),
    "twin.state_stopped": ("Stopped", "멈춤"),
    "twin.editor": ("Line editor", "라인 편집기"),
    "twin.form": ("Form", "입력 양식"),
    "twin.form_help": (
        "Times in seconds: a number (30) or a distribution such as 'exponential 30', 'normal 30 3', "
        "'lognormal 45 10', 'triangular 20 30 45'. MTBF/MTTR numbers are exponential means. Empty buffer = "
        "unlimited; clear an ID to remove its row. Products, transports and the calendar are kept from the YAML.",
        "시간은 초 단위: 숫자(30) 또는 'exponential 30', 'normal 30 3', 'lognormal 45 10', 'triangular 20 30 45' "
        "같은 분포. MTBF/MTTR 숫자는 지수분포 평균입니다. 버퍼를 비우면 무제한, ID를 지우면 그 행이 삭제됩니다. "
        "제품, 운반, 근무 달력은 YAML에서 그대로 유지됩니다.",
    ),
    "twin.process_time": ("Process time", "가공 시간"),
    "twin.buffer": ("Buffer", "버퍼"),
    "twin.scrap": ("Scrap rate", "불량률"),
    "twin.scrap_pct": ("Scrap rate (%)", "불량률 (%)"),
    "twin.wait_every": ("Wait every (s)", "대기 간격 (초)"),
    "twin.wait_lasting": ("Wait lasts (s)", "대기 시간 (초)"),
    "twin.waits_help": (
        "Waits for material, an operator or a check: operating time between them and how long one lasts",
        "자재·작업자·검사 대기: 대기 사이의 가동 시간과 한 번의 대기 시간",
    ),
    "twin.worker_skill": ("Worker skill", "필요 기술"),
    "twin.workers": ("Workers", "작업자"),
    "twin.count": ("People", "인원"),
    "twin.skills": ("Skills", "기술"),
    "twin.only_stations": ("Only at stations", "담당 공정(한정)"),
    "twin.policy": ("Policy", "방식"),
    "twin.policy.kanban": ("kanban (pull at line pace)", "칸반 (라인 속도로 당김)"),
    "twin.policy.conwip": ("CONWIP (fixed WIP)", "CONWIP (재공 고정)"),
    "twin.policy.push": ("push (arrivals)", "푸시 (도착 간격)"),
    "twin.interarrival": ("Time between arrivals", "도착 간격"),
    "twin.to_yaml": ("Form to YAML", "양식을 YAML로"),
    "twin.to_form": ("YAML to form", "YAML을 양식으로"),
    "twin.validate": ("Check", "검사"),
    "twin.save": ("Save", "저장"),
    "twin.replace": ("Replace the saved model of this id", "이 id로 저장된 모델 바꾸기"),
    "twin.valid": ("The line model is valid.", "라인 모델이 올바릅니다."),
    "twin.invalid": ("The line model has problems:", "라인 모델에 문제가 있습니다:"),
    "twin.saved": ("Line model saved.", "라인 모델을 저장했습니다."),
    "twin.replications": ("Replications", "반복 횟수"),
    "twin.hours": ("Hours", "시간(h)"),
    "twin.warmup": ("Warm-up hours", "워밍업(h)"),
    "twin.seed": ("Seed", "난수 시드"),
    "twin.run": ("Run simulation", "시뮬레이션 실행"),
    "twin.run_title": ("Simulate", "시뮬레이션"),
    "twin.analytic": ("Capacity at a glance (no simulation)", "용량 개요 (시뮬레이션 없이)"),
    "twin.analytic_help": (
        "Upper bounds from process times, availability and scrap (Factory Physics §7.2); the simulation adds "
        "variability, blocking and starving.",
        "가공 시간, 가용도, 불량으로 계산한 상한입니다 (Factory Physics §7.2). 시뮬레이션은 변동, 막힘, 기아를 더합니다.",
    ),
    "twin.rb": ("Bottleneck rate (good parts/h, upper bound)", "병목 속도 (양품/시간, 상한)"),
    "twin.analytic_bottleneck": ("slowest station", "가장 느린 공정"),
    "twin.availability": ("Availability (breakdowns only; setups apart)", "가용도 (고장만, 작업준비는 따로)"),
    "twin.capacity": ("Capacity (releases/h)", "능력 (투입/시간)"),
    "twin.yield": ("yield", "수율"),
    "twin.layout": ("Layout sketch", "배치 스케치"),
    "twin.compare": ("Compare scenarios", "시나리오 비교"),
    "twin.compare_help": (
        "One variant a line: 'name: path=value, path=value', e.g. '3 drills: stations.drill.machines=3, "
        "stations.pack.buffer=6'. All variants run with the same random numbers as the line.",
        "한 줄에 대안 하나: '이름: 경로=값, 경로=값', 예: '드릴 3대: stations.drill.machines=3, "
        "stations.pack.buffer=6'. 모든 대안은 기존 라인과 같은 난수로 실행됩니다.",
    ),
    "twin.compare_run": ("Compare", "비교 실행"),
    "twin.sweep": ("Sweep one setting", "설정 하나 훑기"),
    "twin.sweep_help": (
        "The line with each value of one setting, side by side with the same random numbers, e.g. the machines "
        "of a station at 1, 2, 3 (at most 12 values).",
        "설정 하나의 값마다 라인을 같은 난수로 나란히 시뮬레이션합니다. 예: 한 공정의 설비 1, 2, 3대 (값 12개까지).",
    ),
    "twin.sweep_parameter": ("Setting (path)", "설정 (경로)"),
    "twin.sweep_values": ("Values", "값"),
    "twin.sweep_run": ("Sweep", "훑기 실행"),
    "twin.compare_help_result": (
        "Differences to the line as it is are paired over replications with common random numbers; an interval "
        "that excludes 0 is a real difference.",
        "기존 라인과의 차이는 같은 난수로 반복별 짝지어 계산했습니다. 구간이 0을 포함하지 않으면 실제 차이입니다.",
    ),
    "twin.scenario": ("Scenario", "시나리오"),
    "twin.baseline": ("Line as it is", "현재 라인"),
    "twin.vs_baseline": ("Change vs line (good parts/h)", "현재 대비 변화 (양품/시간)"),
    "twin.failed": ("The run failed", "실행 실패"),
    "twin.run_meta": (
        "{reps} replications × {hours} h, warm-up {warmup} h left out, seed {seed}. ± is the 95 % confidence interval.",
        "{reps}회 반복 × {hours}시간, 워밍업 {warmup}시간 제외, 시드 {seed}. ±는 95% 신뢰구간입니다.",
    ),
    "twin.bottleneck": ("Bottleneck", "병목"),
    "twin.perf_capped": (
        "OEE counts performance as 100 % at {stations}: the ideal cycle time there is longer than the process time "
        "the line model gives, as when a machine runs faster than its standard (the dashboard caps it the same way). "
        "Check the ideal cycle time or the process time.",
        "{stations}에서는 OEE의 성능가동률을 100 %로 셉니다. 이상 사이클 타임이 라인 모델의 가공 시간보다 깁니다 "
        "(설비가 표준보다 빨리 도는 경우와 같으며, 대시보드도 같은 방식으로 자릅니다). 이상 사이클 타임이나 가공 "
        "시간을 확인하세요.",
    ),
    "twin.bottleneck_help": (
        "Active-period method (Roser et al.): the station with the longest uninterrupted active periods, in {votes} "
        "of {reps} replications. Bars: how each station's machine time was spent.",
        "활성 구간 방법(Roser 외): 중단 없는 활성 구간이 가장 긴 공정이며, {reps}회 중 {votes}회 병목이었습니다. "
        "막대: 공정별 설비 시간의 쓰임.",
    ),
    "twin.states": ("Machine time by state", "상태별 설비 시간"),
    "twin.state.working": ("working", "가공"),
    "twin.state.setup": ("setup", "준비교체"),
    "twin.state.down": ("down", "고장"),
    "twin.state.waiting_worker": ("waiting for worker", "작업자 대기"),
    "twin.state.idle": ("waiting for material, operator or check", "자재·작업자·검사 대기"),
    "twin.state.blocked": ("blocked", "막힘"),
    "twin.state.starved": ("starved", "기아"),
    "twin.state.off_shift": ("off shift", "비근무"),
    "twin.all_kpis": ("All line figures", "라인 전체 지표"),
    "twin.mean_ci": ("Mean ± 95 % CI", "평균 ± 95% 신뢰구간"),
    "twin.ops": ("{ops} operations simulated in {wall} s.", "{ops}개 작업을 {wall}초에 시뮬레이션했습니다."),
    "twin.back": ("Back to the digital twin", "디지털 트윈으로 돌아가기"),
    "twin.schedule": ("Job-shop schedule", "작업 일정 계획"),
    "twin.schedule_help": (
        "Paste shop orders (YAML: machines, jobs with operations, optional due dates, alternatives and setups) or "
        "a job-shop instance in the standard format. The schedule is solved on CP-SAT and checked independently.",
        "작업 지시(YAML: 설비, 공정이 있는 작업, 납기·대체 설비·셋업은 선택)나 표준 형식의 잡숍 인스턴스를 붙여 "
        "넣으세요. CP-SAT으로 계산하고 별도 검사기로 확인합니다.",
    ),
    "twin.stop": ("Stop", "멈추기"),
    "twin.stop_help": (
        "it stops at its next step (a simulation after the replications already running)",
        "다음 단계에서 멈춥니다(시뮬레이션은 이미 돌고 있는 반복이 끝난 뒤)",
    ),
    "twin.stop_help_solver": (
        "the solver stops at its next report; a stopped job gives no result",
        "솔버가 다음 보고 때 멈춥니다. 멈춘 작업은 결과를 남기지 않습니다",
    ),
    "twin.stopping": ("Stopping at its next step…", "다음 단계에서 멈추는 중…"),
    "twin.stopped": ("Stopped", "멈춤"),
    "twin.start_field": ("Start", "시작"),
    "twin.start_help": (
        "When the schedule begins; times count in working time on your shift calendar from then, and due or "
        "release dates in the orders are read on it. Empty: times only, from 0.",
        "일정이 시작하는 시각. 그때부터 근무 달력의 작업 시간으로 세며, 작업 지시의 납기·투입 날짜도 이 달력으로 "
        "읽습니다. 비우면 0부터의 시간만 보입니다.",
    ),
    "twin.finish_at": ("Finished at", "완료 시각"),
    "twin.start_at": ("Starts", "시작 시각"),
    "twin.end_at": ("Ends", "종료 시각"),
    "twin.clock_help": (
        "From {start} ({zone}), in working time on the company's shift calendar: breaks, nights off, weekends "
        "and holidays are skipped.",
        "{start}({zone})부터 회사 근무 달력의 작업 시간으로 셉니다. 휴식, 비근무 시간, 주말과 휴일은 건너뜁니다.",
    ),
    "twin.dispatch_xlsx": ("Dispatch list (.xlsx)", "설비별 작업 순서 (.xlsx)"),
    "twin.orders_file": ("Orders from a file", "파일에서 작업 지시"),
    "twin.orders_template": ("Excel template (.xlsx)", "엑셀 양식 (.xlsx)"),
    "twin.orders_file_help": (
        "An Excel or CSV file with one row per operation: job, step, machine and minutes, and where needed the "
        "job's due, release, weight and family; rows of one job and step on different machines are alternatives. "
        "A setups sheet gives tool-change times. A chosen file replaces the text below.",
        "공정마다 한 행인 엑셀이나 CSV 파일: 작업, 순서, 설비, 분, 필요하면 작업의 납기, 투입, 가중치, 품목군. 같은 작업·순서의 "
        "행이 설비만 다르면 그중 한 설비에서 합니다(대체 설비). setups 시트에 품목 교체 시간을 씁니다. 파일을 고르면 아래 "
        "글 대신 그 파일로 계획합니다.",
    ),
    "twin.format": ("Format", "형식"),
    "twin.format.auto": ("detect", "자동 인식"),
    "twin.format.orders": ("shop orders (YAML/JSON)", "작업 지시 (YAML/JSON)"),
    "twin.format.jsplib": ("job-shop instance (n m …)", "잡숍 인스턴스 (n m …)"),
    "twin.objective": ("Objective", "목표"),
    "twin.objective.makespan": ("shortest makespan", "전체 소요 시간(메이크스팬) 최소"),
    "twin.objective.tardiness": ("least weighted tardiness", "가중 납기 지연 최소"),
    "twin.objective.weighted": ("makespan + tardiness", "전체 소요 시간 + 납기 지연"),
    "twin.time_limit": ("Time limit (s)", "계산 시간(초)"),
    "twin.solve": ("Schedule", "일정 계산"),
    "twin.status": ("Result", "결과"),
    "twin.status.optimal": ("optimal", "최적"),
    "twin.status.feasible": ("feasible (not proven optimal)", "실행 가능 (최적 미증명)"),
    "twin.status.infeasible": ("infeasible", "불가능"),
    "twin.status.unknown": ("no schedule in time", "시간 내 해 없음"),
    "twin.status.model_invalid": ("model invalid", "모델 오류"),
    "twin.makespan": ("Makespan", "전체 소요 시간(메이크스팬)"),
    "twin.bound": ("Lower bound", "하한"),
    "twin.bound_help_balance": (
        "Lower bound: no line can do with fewer stations (or a shorter cycle time) than this — estimated from the "
        "task times and raised where the search proved more; 'optimal' means the result is proved best.",
        "하한: 어떤 라인도 이보다 적은 공정(또는 짧은 사이클타임)으로는 안 됩니다. 작업 시간으로 추정하고, 탐색이 더 "
        "증명한 만큼 올립니다. '최적'은 결과가 가장 좋음이 증명되었다는 뜻입니다.",
    ),
    "twin.bound_of.makespan": ("Lower bound (makespan)", "하한 (전체 소요 시간)"),
    "twin.bound_of.tardiness": ("Lower bound (tardiness)", "하한 (납기 지연)"),
    "twin.bound_of.weighted": ("Lower bound (makespan + tardiness)", "하한 (전체 소요 시간 + 납기 지연)"),
    "twin.bound_help_schedule.makespan": (
        "Lower bound: no schedule can finish sooner than this (the solver's proof; at least the longest job or the "
        "busiest machine's work). Times are in the unit the orders were written in.",
        "하한: 어떤 일정도 이보다 일찍 끝날 수 없습니다(솔버가 증명한 값으로, 가장 긴 작업이나 가장 바쁜 설비의 일 "
        "이상). 시간 단위는 주문에 적은 단위와 같습니다.",
    ),
    "twin.bound_help_schedule.tardiness": (
        "Lower bound: no schedule can have less weighted tardiness than this. This goal does not seek the "
        "shortest makespan. Times are in the unit the orders were written in.",
        "하한: 어떤 일정도 가중 납기 지연이 이보다 작을 수 없습니다. 이 목표는 가장 짧은 전체 소요 시간을 찾지 않습니다. "
        "시간 단위는 주문에 적은 단위와 같습니다.",
    ),
    "twin.bound_help_schedule.weighted": (
        "Lower bound: no schedule can have a smaller makespan plus weighted tardiness, the sum the solver "
        "minimised. Times are in the unit the orders were written in.",
        "하한: 어떤 일정도 전체 소요 시간과 가중 납기 지연의 합(솔버가 줄인 값)이 이보다 작을 수 없습니다. 시간 단위는 "
        "주문에 적은 단위와 같습니다.",
    ),
    "twin.tardiness": ("Weighted tardiness", "가중 납기 지연"),
    "twin.checked": (
        "Checked independently: order of operations, machine capacity and setups hold.",
        "별도 검사 완료: 공정 순서, 설비 능력, 셋업이 모두 지켜집니다.",
    ),
    "twin.no_schedule": (
        "No schedule was found within the time limit.",
        "시간 제한 안에 일정을 찾지 못했습니다.",
    ),
    "twin.gantt": ("Gantt chart", "간트 차트"),
    "twin.operations": ("Operations", "공정 목록"),
    "twin.machine": ("Machine", "설비"),
    "twin.job": ("Job", "작업"),
    "twin.start": ("Start", "시작"),
    "twin.end": ("End", "끝"),
    "twin.setup": ("Setup", "셋업"),
    "twin.kind.design": ("Design optimisation", "설계 최적화"),
    "twin.kind.balance": ("Line balancing", "라인 밸런싱"),
    "twin.design": ("Design: machines, staff and buffers", "설계: 설비, 인원, 버퍼"),
    "twin.design_help": (
        "Say what may change (machines per station as [min, max], people per worker group as [min, max], "
        "buffer sizes to try) and the goal. Every design is simulated with the same random numbers; designs the "
        "bottleneck rate already rules out are skipped.",
        "바꿀 수 있는 것(공정별 설비 대수 [최소, 최대], 작업자 그룹별 인원 [최소, 최대], 시도할 버퍼 크기)과 목표를 "
        "적으세요. 모든 설계를 같은 난수로 시뮬레이션하며, 병목 능력으로 이미 안 되는 설계는 건너뜁니다.",
    ),
    "twin.design_space": ("What may change (YAML)", "바꿀 수 있는 것 (YAML)"),
    "twin.goal": ("Goal", "목표"),
    "twin.goal.target": ("reach good parts/h at least cost", "최소 비용으로 시간당 양품 달성"),
    "twin.goal.budget": ("most good parts/h within a cost", "비용 안에서 시간당 양품 최대"),
    "twin.goal_value": ("Good parts/h or cost", "시간당 양품 또는 비용"),
    "twin.design_surely": (
        "Target surely: the lower end of the 95 % interval must reach it",
        "목표 확실히: 95% 신뢰구간 하한이 도달해야 함",
    ),
    "twin.trials": ("Designs to try", "시도할 설계 수"),
    "twin.design_run": ("Find the design", "설계 찾기"),
    "twin.design_best": ("Chosen design", "선택된 설계"),
    "twin.design_none": (
        "No design in the space meets the goal.",
        "설계 범위 안에 목표를 만족하는 설계가 없습니다.",
    ),
    "twin.design_runners_up": ("Runners-up", "차점 설계"),
    "twin.design_change": ("Changes to the line", "라인 변경"),
    "twin.design_unchanged": ("as the line is", "현재 라인 그대로"),
    "twin.cost": ("Cost", "비용"),
    "twin.good_per_h": ("Good parts/h (95 %)", "시간당 양품 (95%)"),
    "twin.good_per_h_fresh": ("Good parts/h, fresh replications", "시간당 양품, 새 반복"),
    "twin.vs_best": ("vs chosen", "선택 설계 대비"),
    "twin.design_meta": (
        "Of {size} designs in the space: simulated {simulated}, settled without simulating {pruned} (bottleneck "
        "bound below the target, dearer than a design already feasible, or over budget); {reps} replications × "
        "{hours} h each.",
        "설계 범위 {size}개 중 {simulated}개를 시뮬레이션하고 {pruned}개는 시뮬레이션 없이 제외했습니다(병목 한계가 "
        "목표 미달, 이미 가능한 설계보다 비쌈, 또는 예산 초과). 설계마다 {reps}회 × {hours}시간.",
    ),
    "twin.design_base": (
        "Line as it is: cost {cost}, bottleneck bound {bound} parts/h",
        "현재 라인: 비용 {cost}, 병목 한계 시간당 {bound}개",
    ),
    "twin.balance": ("Line balancing", "라인 밸런싱"),
    "twin.balance_help": (
        "Paste the tasks with their times and predecessors (YAML; times may have decimals, such as 12.5), a "
        "precedence graph in Scholl's .IN2 format or an .alb file. Give a cycle time to get the fewest stations (SALBP-1), or a number of stations to get the "
        "shortest cycle time (SALBP-2); leave the value empty to use the cycle time the text states (an .alb file's, "
        "or YAML's cycle_time).",
        "작업과 작업 시간(12.5처럼 소수도 됩니다), 선행 작업을 YAML로 붙여 넣거나 Scholl의 .IN2 형식 선후관계 그래프나 .alb 파일을 붙여 "
        "넣으세요. 사이클타임을 주면 공정 수를 최소로(SALBP-1), 공정 수를 주면 사이클타임을 최소로(SALBP-2) "
        "나눕니다. 붙여 넣은 내용에 적힌 사이클타임(.alb 파일의 값이나 YAML의 cycle_time)을 쓰려면 값을 비워 두세요.",
    ),
    "twin.balance_format.auto": ("detect", "자동 인식"),
    "twin.balance_format.yaml": ("tasks (YAML/JSON)", "작업 목록 (YAML/JSON)"),
    "twin.balance_format.in2": ("precedence graph (.IN2)", "선후관계 그래프 (.IN2)"),
    "twin.balance_format.alb": ("task list with cycle time (.alb)", "사이클타임이 있는 작업 목록 (.alb)"),
    "twin.balance_goal.cycle_time": ("fewest stations for cycle time", "사이클타임에 맞춰 공정 수 최소"),
    "twin.balance_goal.stations": ("shortest cycle time for stations", "공정 수에 맞춰 사이클타임 최소"),
    "twin.balance_value": ("Cycle time or stations", "사이클타임 또는 공정 수"),
    "twin.balance_run": ("Balance", "밸런싱 계산"),
    "twin.cycle_time": ("Cycle time", "사이클타임"),
    "twin.n_stations": ("{n} stations", "공정 {n}개"),
    "twin.n_station": ("{n} station", "공정 {n}개"),
    "twin.change.machines": ("{v} machines", "설비 {v}대"),
    "twin.change.machines_one": ("{v} machine", "설비 {v}대"),
    "twin.change.buffer": ("buffer of {v}", "버퍼 {v}자리"),
    "twin.change.buffer_one": ("buffer of {v}", "버퍼 {v}자리"),
    "twin.change.count": ("{v} people", "{v}명"),
    "twin.change.count_one": ("{v} person", "{v}명"),
    "twin.num_stations": ("Stations", "공정 수"),
    "twin.efficiency": ("Line efficiency", "라인 효율"),
    "twin.tasks": ("Tasks", "작업"),
    "twin.load": ("Load", "부하"),
    "twin.worker": ("Worker", "작업자"),
    "twin.balance_checked": (
        "Checked independently: every task once, precedences and the cycle time hold.",
        "별도 검사 완료: 모든 작업이 한 번씩 배정되고 선후관계와 사이클타임이 지켜집니다.",
    ),
    "twin.fewer_stations": (
        "{asked} stations were asked for; the shortest cycle time needs only {used}, so the others would stand empty "
        "and are left out.",
        "공정 {asked}개를 요청했지만 가장 짧은 사이클타임에는 {used}개면 충분합니다. 나머지는 빈 공정이라 뺐습니다.",
    ),
    "twin.no_balance": (
        "No plan was found within the time limit.",
        "시간 제한 안에 배치안을 찾지 못했습니다.",
    ),
    "twin.loads_chart": ("Station loads against the cycle time", "사이클타임 대비 공정 부하"),
    # errors
    "error.title": ("Something needs attention", "확인이 필요합니다"),
    "error.not_found": ("Not found", "찾을 수 없음"),
    "error.page_not_found": ("This page does not exist.", "없는 페이지입니다."),
    "error.internal": (
        "Something went wrong on the server. The error was logged; please try again or tell your operator.",
        "서버에서 문제가 생겼습니다. 기록해 두었으니 다시 시도하거나 운영자에게 알려 주세요.",
    ),
    "error.bad_request": (
        "A value in the request was not accepted: {detail}",
        "요청의 값이 올바르지 않습니다: {detail}",
    ),
    "error.home": ("Go to the start page", "처음 화면으로"),
    # federated training (shared models without shared data)
    "fed.title": ("Federated models", "연합 학습 모델"),
    "fed.intro": (
        "Models trained together with companies of your process family — your data never leave your company. "
        "You see the federation's overall result and your own gain only.",
        "같은 공정 계열 회원사와 함께 학습한 모델입니다. 귀사 데이터는 회사 밖으로 나가지 않습니다. "
        "연합 전체 결과와 귀사의 성능 변화만 보입니다.",
    ),
    "fed.intro_operator": (
        "Every federation of the complex with its members and each member's gain on its own held-out data.",
        "산업단지의 모든 연합과 회원사, 회원사별 자체 보류 데이터 기준 성능 변화입니다.",
    ),
    "fed.none": (
        "No federation for your process family yet. The platform operator starts one and invites members; ask "
        "them if you would like a model shared with similar plants (your data stays with you).",
        "귀사 공정 계열의 연합이 아직 없습니다. 플랫폼 운영자가 연합을 만들고 회원사를 초대합니다. 비슷한 공장과 모델을 함께 "
        "쓰고 싶다면 운영자에게 요청하세요 (데이터는 귀사에 남습니다).",
    ),
    "fed.none_operator": (
        "No federation yet: create the first one with the form “New federation” above (the command sandan "
        "federate create and the API POST /api/v1/federations do the same).",
        "연합이 아직 없습니다: 위의 ‘새 연합 만들기’ 양식으로 첫 연합을 만드세요(sandan federate create 명령이나 "
        "API POST /api/v1/federations로도 만들 수 있습니다).",
    ),
    "fed.new": ("New federation", "새 연합 만들기"),
    "fed.new_intro": (
        "One federation per process family: companies of that family join it with their own key and train one "
        "model together; their rows never leave them.",
        "연합은 공정 계열별로 만듭니다. 그 계열의 회원사가 자기 키로 참여해 하나의 모델을 함께 학습하며, 데이터는 "
        "각 회사 밖으로 나가지 않습니다.",
    ),
    "fed.name": ("Name", "이름"),
    "fed.family_choose": ("— choose a family —", "— 공정 계열 선택 —"),
    "fed.target_field": ("Target (the column learned)", "예측 대상 (학습할 열)"),
    "fed.positive": ("Its positive class", "양성 값"),
    "fed.target_hint": (
        "Usually result with positive class ng (a defective part); a measured characteristic or defect_type works "
        "too.",
        "보통 result와 양성 값 ng(불량품)입니다. 측정 항목이나 defect_type도 쓸 수 있습니다.",
    ),
    "fed.features": ("Features (the model's inputs)", "특징 열 (모델 입력)"),
    "fed.features_hint": (
        "Numeric process parameters as they are named in the members' part records, separated by commas. Every "
        "member must record them; what sandan's process models record for each family:",
        "회원사 생산 실적에 기록된 이름 그대로의 수치 공정 변수를 쉼표로 구분해 적으세요. 모든 회원사가 기록하고 "
        "있어야 합니다. 공정 계열별로 sandan 공정 모델이 기록하는 이름:",
    ),
    "fed.categorical": ("Categorical features (optional)", "범주형 특징 열 (선택)"),
    "fed.categorical_hint": (
        "One column per line with its values: material: PP, ABS",
        "한 줄에 열 하나와 그 값들: material: PP, ABS",
    ),
    "fed.more": ("Strategy, privacy and server address", "학습 방식, 프라이버시, 서버 주소"),
    "fed.strategy.tree-bagging": ("tree bagging (each company's trees)", "트리 배깅 (회원사별 트리)"),
    "fed.secure_aggregation": (
        "Secure aggregation for FedAvg/FedProx (the server sees only the mean update; always on for trees)",
        "FedAvg/FedProx 보안 집계 (서버는 평균 갱신만 봄; 트리 방식은 항상 켜짐)",
    ),
    "fed.dp_noise": (
        "Differential privacy noise σ (FedAvg/FedProx, optional)",
        "차분 프라이버시 잡음 σ (FedAvg/FedProx, 선택)",
    ),
    "fed.dp_hint": (
        "A number above 0 up to 100, e.g. 1.0; the run reports ε. Leave empty for none.",
        "0 초과 100 이하의 수, 예: 1.0. 학습 결과에 ε가 표시됩니다. 쓰지 않으려면 비워 두세요.",
    ),
    "fed.address": (
        "Server address for members (host:port, optional)",
        "회원사가 접속할 서버 주소 (host:port, 선택)",
    ),
    "fed.address_hint": (
        "Only for training over the network (sandan federate serve); simulation needs none.",
        "네트워크 학습(sandan federate serve)에만 필요합니다. 시뮬레이션에는 필요 없습니다.",
    ),
    "fed.create": ("Create federation", "연합 만들기"),
    "fed.created": (
        "Federation {name} created. Companies of its process family can now join it (sandan federate join).",
        "연합 {name}을(를) 만들었습니다. 해당 공정 계열 회원사가 이제 참여할 수 있습니다(sandan federate join).",
    ),
    "fed.error.categorical": (
        "Categorical features: write each line as column: value, value (this line is not: {line}).",
        "범주형 특징 열은 줄마다 열: 값, 값 형식으로 적어 주세요(이 줄이 맞지 않습니다: {line}).",
    ),
    "fed.family": ("Process family", "공정 계열"),
    "fed.status": ("Status", "상태"),
    "fed.status.open": ("open — waiting for a run", "모집 중 — 학습 전"),
    "fed.status.trained": ("trained", "학습 완료"),
    "fed.strategy": ("Strategy", "학습 방식"),
    "fed.strategy.trees": (
        "federated gradient boosting (trees grown on histograms summed across companies)",
        "연합 그래디언트 부스팅 (회원사 히스토그램 합으로 트리 생성)",
    ),
    "fed.strategy.fedavg": ("FedAvg (logistic model)", "FedAvg (로지스틱 모델)"),
    "fed.strategy.fedprox": ("FedProx (logistic model)", "FedProx (로지스틱 모델)"),
    "fed.target": ("Learns", "예측 대상"),
    "fed.participants": ("Participants", "참여사 수"),
    "fed.members": ("Members", "회원사"),
    "fed.member": ("Your company takes part", "귀사 참여 여부"),
    "fed.join_how": (
        "To take part, run this on the computer beside your data (it makes your key; the private key stays with you):",
        "참여하려면 데이터가 있는 컴퓨터에서 다음을 실행하세요(키를 만들며, 개인키는 귀사에만 남습니다):",
    ),
    "fed.yes": ("yes", "예"),
    "fed.no": ("no", "아니오"),
    "fed.runs": ("Runs", "학습 횟수"),
    "fed.last_run": ("Last run", "최근 학습"),
    "fed.mode.simulation": ("simulation", "시뮬레이션"),
    "fed.mode.real": ("Flower network", "Flower 네트워크"),
    "fed.rounds": ("rounds kept per fold", "평가 겹별 채택 라운드"),
    "fed.aggregate": ("Federation (all members)", "연합 전체"),
    "fed.federated_f1": ("Federated F1", "연합 모델 F1"),
    "fed.local_f1": ("Own model F1", "자체 모델 F1"),
    "fed.gain_mine": ("Your gain on your own held-out data", "귀사 보류 데이터 기준 성능 변화"),
    "fed.gains_all": ("Every member's gain", "회원사별 성능 변화"),
    "fed.company": ("Company", "회사"),
    "fed.rows": ("Rows", "행 수"),
    "fed.gain": ("Gain (F1)", "변화 (F1)"),
    "fed.adopt": ("Adopted", "채택"),
    "fed.adopt.yes": (
        "adopted — scored above your own model on your held-out rows: F1 {federated} against {local} ({gain})",
        "채택 — 귀사 보류 데이터에서 자체 모델보다 높은 점수: F1 {federated} 대 {local} ({gain})",
    ),
    "fed.adopt.yes_operator": (
        "adopted — scored above the company's own model on its held-out data: F1 {federated} against {local} "
        "({gain})",
        "채택 — 해당 회사 보류 데이터에서 그 회사 자체 모델보다 높은 점수: F1 {federated} 대 {local} ({gain})",
    ),
    "fed.adopt.no_operator": (
        "not adopted — the company's own model is as good or better",
        "미채택 — 해당 회사 자체 모델이 같거나 우수",
    ),
    "fed.local_help": (
        "Own model F1 is the federation's local baseline: a model this run trained on your rows alone and scored on "
        "the same held-out rows as the federated model. It is not the model on your Models page, whose score comes "
        "from other rows and another search.",
        "자체 모델 F1은 연합 학습의 자체 기준 모델 점수입니다. 이번 학습이 귀사 데이터만으로 학습해 연합 모델과 같은 "
        "보류 데이터로 평가한 모델로, 모델 화면의 자사 모델과는 다릅니다(그 점수는 다른 데이터와 다른 탐색으로 "
        "계산했습니다).",
    ),
    "fed.local_help_operator": (
        "Own model F1 is each company's local baseline: a model the run trained on that company's rows alone and "
        "scored on the same held-out rows as the federated model — not a model in the company's registry.",
        "자체 모델 F1은 회원사별 자체 기준 모델 점수입니다. 학습 때 그 회사 데이터만으로 학습해 연합 모델과 같은 "
        "보류 데이터로 평가한 모델이며, 회사 모델 목록의 모델이 아닙니다.",
    ),
    "fed.delete": ("Delete federation", "연합 삭제"),
    "fed.delete_confirm": (
        "Delete the federation {name}? Its members' keys and its runs' records go; a model of it leaves the "
        "catalogue. This cannot be undone.",
        "연합 {name}을(를) 삭제할까요? 회원사 키와 학습 기록이 지워지고, 연합 모델은 카탈로그에서 내려집니다. 되돌릴 수 "
        "없습니다.",
    ),
    "fed.delete_help": (
        "Possible while no company scores its parts with the federation's model.",
        "연합 모델로 부품을 판정하는 회사가 없을 때 삭제할 수 있습니다.",
    ),
    "fed.deleted": ("Federation {name} deleted.", "연합 {name}을(를) 삭제했습니다."),
    "audit.federation.delete": ("federation deleted", "연합 삭제"),
    "fed.adopt.neither": (
        "not adopted — neither model helps yet",
        "미채택 — 아직 어느 모델도 도움이 되지 않음",
    ),
    "fed.adopted_model": ("in your models as {name} v{version}", "자사 모델 목록의 {name} v{version}"),
    "fed.adopted_stage.candidate": (
        "a candidate: Promote it on the models page to score your parts with it",
        "후보 모델입니다. 모델 화면에서 승격하면 자사 부품을 이 모델로 판정합니다",
    ),
    "fed.adopted_stage.production": (
        "in production: it scores your parts",
        "운영 중: 자사 부품을 판정합니다",
    ),
    "fed.adopted_stage.retired": ("retired", "폐기됨"),
    "fed.adopt.no": ("not adopted — your own model is as good or better", "미채택 — 자체 모델이 같거나 우수"),
    "fed.no_gain": ("Your company was not part of the last run.", "귀사는 최근 학습에 참여하지 않았습니다."),
    "fed.no_run": ("Not trained yet.", "아직 학습하지 않았습니다."),
    "fed.status.running": ("training", "학습 중"),
    "fed.running": ("Training in simulation", "시뮬레이션 학습 중"),
    "fed.run": ("Train in simulation", "시뮬레이션으로 학습"),
    "fed.run_days": ("Window: days of the members' latest records", "기간: 회원사 최근 기록 일수"),
    "fed.run_folds": ("folds", "평가 겹 수"),
    "fed.run_search": ("model search per member, s", "회원사 모델 탐색 시간(초)"),
    "fed.run_help": (
        "Each member's rows go only to its own client on this platform; the run compares the federated model with "
        "each member's own model and a pooled one, fold by fold, on the member's held-out rows. One run at a time.",
        "회원사별 데이터는 이 플랫폼 안의 자기 클라이언트에만 갑니다. 연합 모델을 각 회원사의 자체 모델, 통합 모델과 "
        "회원사 보류 데이터로 겹마다 비교합니다. 한 번에 하나씩 실행됩니다.",
    ),
    "fed.secagg_used": (
        "sums through secure aggregation (SecAgg+, {n} companies): the server saw totals only",
        "보안 집계(SecAgg+, {n}개사)로 합산: 서버는 합계만 봤습니다",
    ),
    "fed.last_failure": ("The last run failed ({at})", "최근 학습 실패 ({at})"),
    "fed.positives": ("Defective (positive)", "불량 (양성)"),
    "fed.pooled_f1": ("Pooled F1", "통합 모델 F1"),
    "fed.manage_members": ("Manage members", "회원사 관리"),
    "fed.remove": ("remove", "빼기"),
    "fed.remove_confirm": (
        "Take {name} out of this federation? Its key is dropped and the next run goes on without it; past runs keep "
        "their records.",
        "{name}을(를) 이 연합에서 뺄까요? 등록된 키가 지워지고 다음 학습부터 빠집니다. 지난 학습 기록은 남습니다.",
    ),
    "fed.remove_help": (
        "For a member that left the complex or has no data to bring; a member leaves on its own with "
        "POST /api/v1/companies/{company}/federations/leave.",
        "산업단지를 떠났거나 가져올 데이터가 없는 회원사에 씁니다. 회원사가 스스로 나갈 때는 "
        "POST /api/v1/companies/{회사}/federations/leave 를 씁니다.",
    ),
    "audit.federation.leave": ("left a federation", "연합에서 나감"),
    "audit.federation.join": ("joined a federation", "연합에 참여"),
    "audit.federation.rekey": ("replaced its federation key", "연합 키 교체"),
    "fed.sat_out": (
        "Sat this run out (too few part records in the window); the others trained without them:",
        "이번 학습에서 빠졌습니다 (기간 안의 생산 실적이 부족함). 나머지 회원사만으로 학습했습니다:",
    ),
    "fed.pooled_help": (
        "Pooled: one model trained on every member's rows together — possible only in simulation, shown as the "
        "reference for what sharing the rows themselves would give (each figure has its own spread, so the "
        "federated model can score above it). Every F1 is on the member's own held-out rows.",
        "통합 모델: 모든 회원사 데이터를 한데 모아 학습한 모델로, 시뮬레이션에서만 가능하며 데이터 자체를 모았을 때의 "
        "기준으로 보여 줍니다 (점수마다 흩어짐이 있어 연합 모델이 더 높게 나올 수도 있습니다). 모든 F1은 해당 회원사의 "
        "보류 데이터로 계산했습니다.",
    ),
    "fed.none_found": (
        "neither model finds the defective parts in these held-out rows",
        "어느 모델도 보류 데이터의 불량 부품을 찾지 못합니다",
    ),
}


def t(key: str, lang: str, **fields: Any) -> str:
    """The text of `key` in `lang` (Korean unless 'en'); unknown keys show themselves so they are noticed."""
    pair = CATALOGUE.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "en" else pair[1]
    return text.format(**fields) if fields else text


def pick_lang(cookie: str | None, default: str) -> str:
    return cookie if cookie in LANGS else (default if default in LANGS else "ko")


def js_catalogue(lang: str, prefix: tuple[str, ...]) -> dict[str, str]:
    """The raw templates (placeholders unfilled) a script needs, so JS shows the same words as the pages."""
    return {k: (v[0] if lang == "en" else v[1]) for k, v in CATALOGUE.items() if k.startswith(prefix)}


def format_time(value: datetime | str | None, zone: str, *, seconds: bool = True) -> str:
    """A UTC time (or its ISO text, as files keep it) shown in the display zone as 2026-05-01 08:00:00 (ISO order
    reads the same in both languages)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return "" if value is None else plant_clock(value, zone, seconds=seconds)
