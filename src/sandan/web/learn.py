"""Learn pages: the model registry (train with progress, promote), a version's evaluation and explanations, and the
process family's shared catalogue (and, for the operator, every family's). Pages read through sandan.learn; writes go
from the page script to the API, except withdrawing a catalogue entry, a plain form (a reason, asked first).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.domain import InvalidInput, SandanError
from sandan.learn import catalogue, registry
from sandan.learn.evaluate import no_better_than_chance
from sandan.learn.explain import feature_words
from sandan.learn.federated import service as federation_service
from sandan.twin.process import column_labels
from sandan.web.shell import UserPage, WebRoute, company_of, form_number, jobs_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

# key -> (English, Korean): the texts of these pages (kept here so the pages ship with their words).
TEXT: dict[str, tuple[str, str]] = {
    "models": ("AI models", "AI 모델"),  # as the navigation names the page
    "models.intro": (
        "Train a defect model from your part records, check how well it does on parts it never saw, then promote it "
        "to score new parts as they arrive.",
        "생산 실적으로 불량 예측 모델을 학습하고, 학습에 쓰지 않은 부품으로 성능을 확인한 뒤 운영으로 승격하면 "
        "새 부품이 들어올 때마다 점수를 매깁니다.",
    ),
    "train": ("Train a model", "모델 학습"),
    "name": ("Name", "이름"),
    "name_rule": (
        "letters (Korean too), digits, _ - . ; no spaces; at most 64",
        "글자(한글 포함), 숫자, _ - . 만 (띄어쓰기 없이, 64자까지)",
    ),
    "days": ("Days of history", "학습 기간(일)"),
    "budget": ("Time budget (s)", "시간 예산(초)"),
    "start": ("Start training", "학습 시작"),
    "version": ("Version", "버전"),
    "stage": ("Stage", "단계"),
    "stage.candidate": ("candidate", "후보"),
    "stage.production": ("production", "운영"),
    "stage.retired": ("retired", "폐기"),
    "score": ("Score", "성능"),
    "trained": ("Trained", "학습 시각"),
    "origin": ("From", "출처"),
    "origin.own": ("trained here", "자체 학습"),
    "origin.catalogue": ("catalogue", "카탈로그"),
    "origin.federation": ("federation", "연합"),
    "promote": ("Promote", "승격"),
    "following": ("Training {name}, started earlier…", "앞서 시작한 {name} 학습 중…"),
    "weak": ("no better than chance on held-out rows", "학습에 쓰지 않은 행에서 우연보다 낫지 않음"),
    "not_publishable": ("not for the catalogue", "카탈로그 공개 불가"),
    "weak_model": (
        "This model is no better than chance: {reason}. Do not use it for decisions; it cannot go to the catalogue.",
        "이 모델은 우연보다 낫지 않습니다: {reason}. 판단에 쓰지 마세요. 카탈로그에 공개할 수 없습니다.",
    ),
    "retire": ("Retire", "폐기"),
    "publish": ("Publish to catalogue", "카탈로그에 공개"),
    "publish.named": ("show our company name", "회사 이름 공개"),
    "published": ("in the catalogue (entry {id})", "카탈로그에 공개됨 (항목 {id})"),
    "open": ("Open", "보기"),
    "none": ("No models yet.", "아직 모델이 없습니다."),
    "report": ("How good is it?", "얼마나 잘 맞나요?"),
    "importance": ("What the model looks at", "모델이 보는 것"),
    "recent": ("Latest parts, in plain words", "최근 부품 설명"),
    "features": ("Features", "특징"),
    "catalogue": ("Shared models", "공유 모델"),
    "catalogue.intro": (
        "Models other members of your process family published — never their data. Evaluate one on your own "
        "parts before you adopt it.",
        "같은 공정 계열의 회원사가 공개한 모델입니다 (데이터는 공개되지 않습니다). 가져오기 전에 자사 데이터로 "
        "먼저 평가하세요.",
    ),
    "publisher": ("Publisher", "공개한 곳"),
    "publisher_score": ("Publisher's score", "공개사 성능"),
    "published_at": ("Published", "공개일"),
    "my_version": ("our version {version}", "우리 버전 {version}"),
    "my_score": ("Your score on your data", "자사 데이터 성능"),
    "evaluations": ("Evaluated by", "평가한 회원사"),
    "evaluate": ("Evaluate on my data", "자사 데이터로 평가"),
    "adopt": ("Adopt", "가져오기"),
    "adopted": ("adopted", "가져옴"),
    "finds_none": (
        "finds none of your defects: adopting it would miss them all",
        "자사 데이터의 불량을 하나도 찾지 못합니다. 가져오면 모든 불량을 놓칩니다",
    ),
    "fine_tune": ("Fine-tune", "재학습"),
    "n_parts": ("{n} parts", "부품 {n}개"),
    "adopt.confirm_none": (
        "On your data this model found none of your defects: adopting it would miss them all. Adopt it anyway?",
        "이 모델은 자사 데이터의 불량을 하나도 찾지 못했습니다. 가져오면 모든 불량을 놓칩니다. 그래도 가져올까요?",
    ),
    "federated": (
        "Trained by a federation, not by one company: it is not evaluated, adopted or fine-tuned from here. Each "
        "member adopts it through the federation's run, where it beats the member's own model.",
        "한 회사가 아니라 연합이 학습한 모델이라 여기서 평가하거나 가져오거나 재학습하지 않습니다. 연합 회원사는 "
        "연합 학습 결과로, 자사 모델보다 나을 때 채택합니다.",
    ),
    "federated.member": (
        "Your company is a member of this federation: how the model did on your own held-out rows is on the "
        "federations page.",
        "귀사는 이 연합의 회원사입니다. 자사 보류 데이터에서의 결과는 연합 학습 화면에 있습니다.",
    ),
    "federated.join": (
        "To take part, ask the operator to add your company to the federation.",
        "참여하려면 운영자에게 연합 회원 추가를 요청하세요.",
    ),
    "federated.link": ("Federations →", "연합 학습 →"),
    "invalid.required": ("{field}: enter a value", "{field}: 값을 입력하세요"),
    "invalid.range": (
        "{field}: a number from {min} to {max}",
        "{field}: {min}에서 {max} 사이의 숫자를 입력하세요",
    ),
    "invalid.name": ("{field}: {rule}", "{field}: {rule}"),
    "catalogue.none": (
        "Nothing published in your process family yet. A model of yours can be the first: 'Publish to "
        "catalogue' beside it on the Models page; members see its score, never your data.",
        "공정 계열에 공개된 모델이 아직 없습니다. 귀사 모델을 처음으로 공개할 수 있습니다: 모델 화면에서 그 모델 옆의 "
        "'카탈로그에 공개'를 누르세요. 다른 회원사는 성능만 보고 귀사 데이터는 보지 못합니다.",
    ),
    "catalogue.none_all": ("No member has published a model yet.", "공개한 회원사 모델이 아직 없습니다."),
    "withdraw": ("Withdraw", "내리기"),
    "withdraw.reason": ("why (those who adopted it read this)", "이유 (가져간 회사가 읽습니다)"),
    "withdraw.confirm": (
        "Withdraw this model from the catalogue? No one can evaluate or adopt it afterwards.",
        "이 모델을 카탈로그에서 내릴까요? 이후 아무도 평가하거나 가져갈 수 없습니다.",
    ),
    "withdraw.done": ("Entry {id} was withdrawn.", "항목 {id}을(를) 내렸습니다."),
    "withdrawn": ("withdrawn", "내려짐"),
    "withdrawn.adopted": (
        "your adopted copy stays in your registry: retire it there if the reason concerns you",
        "가져온 사본은 자사 모델 목록에 남아 있습니다. 이유가 해당되면 그곳에서 폐기하세요",
    ),
    "withdrawn.source": (
        "its catalogue entry was withdrawn: {reason}",
        "카탈로그에서 내려진 모델입니다: {reason}",
    ),
    "catalogue.all": ("Shared models of every process", "모든 공정의 공유 모델"),
    "catalogue.all_intro": (
        "Every model members published, by process family. Withdraw one that should no longer be used (a wrong "
        "label, a leaked field): it stays visible, with the reason, to the companies that evaluated or adopted it.",
        "회원사가 공개한 모든 모델입니다 (공정 계열별). 더 이상 쓰면 안 되는 모델(잘못된 라벨, 유출된 항목 등)은 "
        "내리세요. 평가하거나 가져간 회사에는 이유와 함께 계속 보입니다.",
    ),
    "family": ("Process", "공정"),
    "status": ("Status", "상태"),
    "working": ("Working…", "진행 중…"),
    "done": ("Done", "완료"),
    "failed": ("Failed", "실패"),
}


def texts(lang: str) -> dict[str, str]:
    return {k: (en if lang == "en" else ko) for k, (en, ko) in TEXT.items()}


def _score(metrics: dict) -> str:
    m = (metrics or {}).get("metrics", {})
    for key in ("f1", "macro_f1", "rmse"):
        if key in m:
            return f"{key} {m[key]:.2f}" + (f" · ROC-AUC {m['roc_auc']:.2f}" if "roc_auc" in m else "")
    return "—"


@router.get("/companies/{company_id}/models", response_class=HTMLResponse)
def models_page(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    tx = texts(page.lang)
    page.crumbs.append((tx["models"], None))
    versions = registry.list_models(page.store, company.id)
    # a training still running (started before a reload, or by a colleague): the page follows it again
    running = [
        {"id": j.id, "label": j.label}
        for j in jobs_of(page.request).list(company.id)
        if j.kind == "train" and not j.finished
    ]
    script = {"api": f"/api/v1/companies/{company.id}", "lang": page.lang, "text": tx, "running": running}
    # a model adopted from a federation's run came through its catalogue entry too: named for the federation
    federated = {
        catalogue.adopted_origin(e["id"])
        for e in catalogue.cross_tenant_catalogue(page.store, company.id)
        if e["task"] == catalogue.FEDERATED
    }
    return page.render(
        "learn_models.html",
        company=company,
        tx=tx,
        versions=versions,
        federated_origins=federated,
        score=_score,
        script=script,
        can_write=page.principal.user.role.can_write,
        published=catalogue.published_versions(page.store, company.id),
        withdrawn=catalogue.withdrawn_sources(page.store, company.id),
        weak={
            (m.name, m.version): reason[0 if page.lang == "en" else 1]
            for m in versions
            if (reason := no_better_than_chance(m.metrics)) is not None
        },
    )


@router.get("/companies/{company_id}/models/view", response_class=HTMLResponse)
def model_page(
    page: UserPage, company_id: str, name: str, version: Annotated[int, Query(ge=1)], days: int = 7
) -> Response:
    company = company_of(page, company_id)
    tx = texts(page.lang)
    page.crumbs.append((tx["models"], f"/companies/{company.id}/models"))
    mv = registry.get_version(page.store, company.id, name, version)
    page.crumbs.append((f"{name} v{version}", None))
    end = datetime.now(UTC)
    explanation, problem = None, None
    labels = column_labels(m.family for m in page.store.list_machines(company.id))
    try:
        explanation = registry.explain_version(
            page.store,
            company.id,
            name,
            version,
            end - timedelta(days=days),
            end,
            lang=page.lang,
            labels=labels,
        )
    except SandanError as exc:  # no recent parts, say: the report still shows
        problem = exc.message(page.lang)
    report = (mv.metrics.get("report") or {}).get(page.lang, "")
    return page.render(
        "learn_model.html",
        company=company,
        tx=tx,
        mv=mv,
        report=report.splitlines(),
        features=[feature_words(f, labels)[0 if page.lang == "en" else 1] for f in mv.features],
        explanation=explanation,
        problem=problem,
        score=_score,
        weak=(no_better_than_chance(mv.metrics) or (None, None))[0 if page.lang == "en" else 1],
    )


@router.get("/companies/{company_id}/catalogue", response_class=HTMLResponse)
def catalogue_page(page: UserPage, company_id: str) -> Response:
    return _catalogue_view(page, company_of(page, company_id))


@router.post("/companies/{company_id}/catalogue/withdraw", response_class=HTMLResponse)
def catalogue_withdraw(
    page: UserPage,
    company_id: str,
    entry_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The publisher takes its own model out of the catalogue, saying why."""
    company = company_of(page, company_id)
    try:
        entry = catalogue.withdraw_entry(
            page.store, page.principal, _entry_number(entry_id), reason, company_id=company.id
        )
    except SandanError as exc:
        return _catalogue_view(page, company, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}/catalogue?withdrawn={entry.id}", status_code=303)


@router.get("/catalogue", response_class=HTMLResponse)
def operator_catalogue_page(page: UserPage) -> Response:
    return _operator_catalogue(page)


@router.post("/catalogue/withdraw", response_class=HTMLResponse)
def operator_catalogue_withdraw(
    page: UserPage, entry_id: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""
) -> Response:
    """The operator takes any entry out of the catalogue, saying why."""
    try:
        entry = catalogue.withdraw_entry(page.store, page.principal, _entry_number(entry_id), reason)
    except SandanError as exc:
        return _operator_catalogue(page, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/catalogue?withdrawn={entry.id}", status_code=303)


def _entry_number(text: str) -> int:
    number = form_number(text, "entry_id", ("catalogue entry", "카탈로그 항목"), kind=int)
    if number is None or not 1 <= number < 2**63:
        raise InvalidInput(
            f"choose a catalogue entry by its number, not {text!r}",
            f"카탈로그 항목을 번호로 고르세요 ({text!r}은(는) 안 됩니다)",
            field="entry_id",
        )
    return number


def _operator_catalogue(page: UserPage, error: str | None = None, status: int = 200) -> Response:
    entries = catalogue.cross_tenant_all_catalogues(page.store, page.principal)
    tx = texts(page.lang)
    page.crumbs.append((tx["catalogue.all"], None))
    return page.render(
        "learn_catalogue_all.html",
        status,
        tx=tx,
        entries=entries,
        score=_score,
        error=error,
        withdrawn=page.request.query_params.get("withdrawn"),
    )


def _catalogue_view(page: UserPage, company, error: str | None = None, status: int = 200) -> Response:
    tx = texts(page.lang)
    page.crumbs.append((tx["catalogue"], None))
    entries = catalogue.cross_tenant_catalogue(page.store, company.id)
    # the company's own entries name the registered version they came from
    versions = {
        entry: version
        for (_name, version), entry in catalogue.published_versions(page.store, company.id).items()
    }
    script = {"api": f"/api/v1/companies/{company.id}", "lang": page.lang, "text": tx}
    # the federations the company is a member of: their entries tell it so, not to ask to join
    member_of = {
        f["id"]
        for f in federation_service.federations_for_company(
            page.store, company.id, data_dir=page.settings.data_dir
        )
        if f["member"]
    }
    return page.render(
        "learn_catalogue.html",
        status,
        member_of=member_of,
        error=error,
        withdrawn=page.request.query_params.get("withdrawn"),
        company=company,
        tx=tx,
        entries=entries,
        versions=versions,
        score=_score,
        script=script,
        can_write=page.principal.user.role.can_write,
    )
