"""Alert rules over readings, SPC run rules, OEE and model predictions; open/close with hysteresis; delivery.

It reads through the Store and monitor functions and keeps state in `alert_store`; it must not render pages.

Life of an alert (one per rule and subject, e.g. a machine): it opens the first time the rule's condition holds,
stays open — without firing again — while the condition holds, and closes once the condition has stayed clear
for the rule's `hold_s` (time hysteresis, as in ISA-18.2 "off-delay"; ANSI/ISA-18.2-2016 §3.1 and the alarm
state model of its clause 11). A new alert opens only after the previous one closed. Opening and closing are
delivered to the inbox (the alerts table), a webhook (HTTP POST of JSON, retried, with a timeout) and e-mail.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import math
import os
import smtplib
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sandan.domain import (
    Conflict,
    InvalidInput,
    NotFound,
    SandanError,
    Signal,
    invalid_input_from,
    value_error,
)
from sandan.domain.korean import particle
from sandan.domain.text import counted, in_language, repeated
from sandan.jobs import BackgroundLoop
from sandan.monitor.alert_store import AlertStore, open_alert_store
from sandan.monitor.calendar import ShiftCalendar, company_calendar, in_planned_time, planned_start
from sandan.monitor.labels import CHART_LABELS, RULE_LABELS
from sandan.monitor.oee import oee, select_machines
from sandan.monitor.spc import attribute_chart, measured_characteristics, measurement_chart
from sandan.store import Store
from sandan.store.base import PART_ROLLUP_S

log = logging.getLogger("sandan.monitor.alerts")

Kind = Literal["threshold", "rate_of_change", "no_data", "spc", "oee_drop", "prediction"]
KINDS: tuple[str, ...] = ("threshold", "rate_of_change", "no_data", "spc", "oee_drop", "prediction")

#: How far back a rule looks when it does not say (seconds).
DEFAULT_WINDOW_S: dict[str, float] = {
    "threshold": 300,
    "rate_of_change": 600,
    "no_data": 600,
    "spc": 86_400,
    "oee_drop": 8 * 3600,
    "prediction": 3600,
}

KIND_LABELS: dict[str, dict[str, str]] = {
    "threshold": {"en": "Reading beyond a limit", "ko": "측정값 한계 초과"},
    "rate_of_change": {"en": "Reading changing too fast", "ko": "측정값 급변"},
    "no_data": {"en": "No data", "ko": "데이터 끊김"},
    "spc": {"en": "SPC rule violation", "ko": "관리도 규칙 위반"},
    "oee_drop": {"en": "OEE below target", "ko": "OEE 목표 미달"},
    "prediction": {"en": "Predicted defect probability high", "ko": "불량 예측 확률 높음"},
}

#: What the alerts page's form calls a rule's field (en, ko), so a refusal names the box the user typed into; the
#: same words as the page's catalogue (`mon.signal`, `mon.limit`, `mon.characteristic`, ...). `threshold` means a
#: different thing for each kind.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "signal": ("Signal", "신호"),
    "characteristic": ("Characteristic", "측정 항목"),
    "threshold": ("Limit", "한계값"),
    "threshold/rate_of_change": ("Limit per minute", "분당 한계값"),
    "threshold/oee_drop": ("OEE target", "OEE 목표"),
    "threshold/prediction": ("Probability limit", "확률 한계값"),
    "baseline_start": ("Phase I from", "1단계 시작"),
    "baseline_end": ("Phase I until", "1단계 끝"),
}


def field_label(field_name: str, kind: str) -> tuple[str, str]:
    """The form's label (en, ko) of a rule's field for a rule of `kind`."""
    return FIELD_LABELS.get(f"{field_name}/{kind}") or FIELD_LABELS[field_name]


def plain_number(value: float, significant: int | None = None) -> str:
    """A number as people write it — never in scientific notation: -99999, 1500, 0.0025. Without `significant` it
    is the shortest text that reads back as the same float (a limit as it was typed); with it, rounded to that
    many significant digits, but never to the left of the decimal point (441.2345 → 441.2, 123456.7 → 123457)."""
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if significant is None:
        text = format(Decimal(repr(v)), "f")
    else:
        magnitude = math.floor(math.log10(abs(v))) if v else 0
        text = f"{v:.{max(0, significant - 1 - magnitude)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class SignalName:
    """How people name a signal: its description in each language where it has one, else its id; and its unit."""

    id: str
    en: str
    ko: str
    unit: str = ""

    @classmethod
    def of(cls, signal: Signal | None, name: str) -> SignalName:
        if signal is None:
            return cls(name, name, name)
        text = signal.description.strip()
        return cls(name, in_language(text, "en") or name, in_language(text, "ko") or name, signal.unit or "")

    def name(self, lang: str) -> str:
        """The name in `lang`: "peak cavity pressure" / "최대 캐비티 압력"."""
        return self.ko if lang == "ko" else self.en

    def label(self, lang: str) -> str:
        """The name with its unit: "peak cavity pressure (bar)"."""
        return f"{self.name(lang)} ({self.unit})" if self.unit else self.name(lang)


def signal_names(store: Store, company_id: str) -> dict[str, SignalName]:
    """Each of the company's signal names once (machines of one kind share it), named by a definition that has a
    description where one has."""
    out: dict[str, SignalName] = {}
    for s in sorted(store.list_signals(company_id), key=lambda s: (s.name, not s.description.strip())):
        out.setdefault(s.name, SignalName.of(s, s.name))
    return out


class AlertRule(BaseModel):
    """One rule. `threshold` means: the limit (threshold), units per minute (rate_of_change), an OEE fraction
    (oee_drop, fires below it) or a probability (prediction, fires above it). `window_s` is how far back data
    is read (for no_data: how much of the company's planned time may pass without data — see `_no_data`).
    `hold_s` is how long the condition must stay clear before the alert closes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    name: str = Field(default="", max_length=200)
    kind: Kind
    enabled: bool = True
    severity: Literal["info", "warning", "critical"] = "warning"
    machine_ids: list[str] | None = Field(default=None, description="None: every machine (of `line_id`)")
    line_id: str | None = None
    signal: str | None = Field(default=None, description="threshold, rate_of_change, no_data (optional)")
    direction: Literal["above", "below"] = "above"
    threshold: float | None = None
    # at least a second: 0.0001 s was a rule that read no data at all and fired on every check
    window_s: float | None = Field(default=None, ge=1, le=90 * 86_400)
    hold_s: float = Field(default=300, ge=0, le=7 * 86_400)
    characteristic: str | None = Field(default=None, description="spc on a measured characteristic")
    chart: Literal["imr", "xbar_r", "xbar_s", "p", "laney_p", "np", "c", "u"] = "imr"
    subgroup_size: int = Field(default=5, ge=2, le=50)
    subgroup: str = Field(default="h", description="attribute charts: pandas frequency of a subgroup")
    rules: Literal["western_electric", "nelson", "limits"] = "western_electric"
    recent_points: int = Field(default=1, ge=1, le=100, description="spc: violations among the last n points")
    baseline_start: datetime | None = Field(
        default=None,
        description="spc: phase I from (with baseline_end); else the limits come from the window",
    )
    baseline_end: datetime | None = Field(
        default=None, description="spc: phase I until: the fixed period the control limits come from"
    )
    product: str | None = None
    group: Literal["machine", "line"] = "machine"
    model: str | None = Field(default=None, description="prediction: only this model's predictions")
    webhook_url: str | None = Field(default=None, max_length=2000)
    email_to: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("machine_ids")
    @classmethod
    def _machines(cls, v: list[str] | None) -> list[str] | None:
        # [] was a rule that could never fire (null means every machine); a machine twice, a typo
        if v is None:
            return v
        if not v:
            raise value_error(
                "machine_ids is empty: name at least one machine, or leave it out for every machine",
                "machine_ids가 비어 있습니다. 설비를 하나 이상 적거나, 모든 설비면 항목을 빼세요",
            )
        twice = repeated(v)
        if twice:
            raise value_error(
                f"machine_ids names {', '.join(map(repr, twice))} more than once",
                f"machine_ids에 {', '.join(map(repr, twice))}이(가) 두 번 이상 있습니다",
            )
        return v

    @field_validator("webhook_url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v and not v.startswith(("http://", "https://")):
            raise value_error(
                "webhook_url must start with http:// or https://",
                "웹훅 주소는 http:// 또는 https://로 시작해야 합니다",
            )
        return v or None

    @field_validator("email_to")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for a in v:
            if "@" not in a or any(c.isspace() for c in a):
                raise value_error(f"{a!r} is not an e-mail address", f"{a!r}은(는) 이메일 주소가 아닙니다")
        return v

    @model_validator(mode="after")
    def _needs(self) -> AlertRule:
        if self.signal is not None and not self.signal.strip():
            self.signal = None  # an empty choice on the form names no signal: such a rule would never fire
        need: list[str] = []
        if self.kind in ("threshold", "rate_of_change"):
            need = [f for f in ("signal", "threshold") if getattr(self, f) is None]
        elif self.kind in ("oee_drop", "prediction"):
            need = ["threshold"] if self.threshold is None else []
        elif self.kind == "spc" and self.chart in ("imr", "xbar_r", "xbar_s") and not self.characteristic:
            need = ["characteristic"]
        # the fields by the form's labels (the page shows this message as it is), their API names after them
        if need:
            labels = [field_label(f, self.kind) for f in need]
            raise value_error(
                f"a ‘{KIND_LABELS[self.kind]['en']}’ rule needs {' and '.join(f'“{en}”' for en, _ in labels)} "
                f"({', '.join(need)})",
                f"‘{KIND_LABELS[self.kind]['ko']}’ 규칙에는 {particle(', '.join(ko for _, ko in labels), '이/가')} "
                f"필요합니다 ({', '.join(need)})",
            )
        self._check_baseline()
        if self.threshold is None:
            return self
        en, ko = field_label("threshold", self.kind)
        ko = particle(ko, "은/는")
        if not math.isfinite(self.threshold):
            raise value_error(
                f"“{en}” (threshold) must be a finite number", f"{ko} 유한한 숫자여야 합니다 (threshold)"
            )
        if self.kind == "oee_drop" and not 0 < self.threshold <= 1:
            raise value_error(
                f"“{en}” (threshold) is a fraction in (0, 1], e.g. 0.6 for 60%",
                f"{ko} (0, 1] 범위의 비율입니다. 예: 60%는 0.6 (threshold)",
            )
        if self.kind == "prediction" and not 0 <= self.threshold < 1:
            raise value_error(
                f"“{en}” (threshold) is a probability in [0, 1)",
                f"{ko} [0, 1) 범위의 확률입니다 (threshold)",
            )
        if self.kind == "rate_of_change" and self.threshold <= 0:
            raise value_error(
                f"“{en}” (threshold) is a positive rate per minute",
                f"{ko} 분당 변화율로 0보다 커야 합니다 (threshold)",
            )
        return self

    def _check_baseline(self) -> None:
        """Phase I is a fixed period, both ends given, in order, with a time zone, and only for SPC rules."""
        start, end = self.baseline_start, self.baseline_end
        if start is None and end is None:
            return
        (s_en, s_ko), (e_en, e_ko) = (
            field_label("baseline_start", self.kind),
            field_label("baseline_end", self.kind),
        )
        if self.kind != "spc":
            raise value_error(
                f"“{s_en}” and “{e_en}” are for SPC rules only (baseline_start, baseline_end)",
                f"‘{s_ko}’과 ‘{e_ko}’은 관리도 규칙에만 씁니다 (baseline_start, baseline_end)",
            )
        if start is None or end is None:
            raise value_error(
                f"phase I needs both “{s_en}” and “{e_en}” (baseline_start, baseline_end): the control limits come "
                "from the points between them",
                f"1단계에는 ‘{s_ko}’과 ‘{e_ko}’이 모두 필요합니다 (baseline_start, baseline_end). 관리 한계는 그 사이의 "
                "점으로 정합니다",
            )
        if start.tzinfo is None or end.tzinfo is None:
            raise value_error(
                "phase I times need a time zone, e.g. 2026-11-02T08:00:00+09:00 (baseline_start, baseline_end)",
                "1단계 시각에는 시간대가 필요합니다. 예: 2026-11-02T08:00:00+09:00 (baseline_start, baseline_end)",
            )
        if start >= end:
            raise value_error(
                f"“{s_en}” must be before “{e_en}” (baseline_start, baseline_end)",
                f"‘{s_ko}’은 ‘{e_ko}’보다 앞이어야 합니다 (baseline_start, baseline_end)",
            )

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_s or DEFAULT_WINDOW_S[self.kind])

    @property
    def condition(self) -> str:
        """The rule's condition in a few symbols, the signal by its id: "spindle_temp > 120", "OEE < 60%"."""
        return self.condition_naming(self.signal)

    def condition_naming(self, signal: str | None) -> str:
        """The condition with the signal named as given, for a list of rules: "peak cavity pressure (bar) > 1200"
        (see `SignalName.label`); numbers written plainly."""
        sign = ">" if self.direction == "above" else "<"
        if self.kind == "threshold":
            return f"{signal} {sign} {plain_number(self.threshold)}"
        if self.kind == "rate_of_change":
            return f"|Δ {signal}| > {plain_number(self.threshold)}/min"
        if self.kind == "oee_drop":
            return f"OEE < {plain_number(100 * self.threshold, 6)}%"  # 6 digits: 0.07 is 7%, not 7.000000000000001%
        if self.kind == "prediction":
            return f"P(ng) > {plain_number(self.threshold)}"
        if self.kind == "no_data":
            return f"{signal or '*'}: {plain_number(self.window.total_seconds() / 60, 6)} min"
        return f"{self.chart} {self.characteristic or ''}".strip()  # spc


def check_rule_subject(store: Store, company_id: str, rule: AlertRule) -> None:
    """The rule's machines and line exist, its signal is one those machines have, a limit lies inside that
    signal's valid range, and its characteristic is one the company's parts are measured on: a rule on a name no
    data carries would never fire, and a limit no reading can reach fires on every reading or never — silently.
    A webhook written as a local or private address is refused here too, as its delivery would be
    (`Delivery.private_webhooks`); a name is resolved only when an alert is sent."""
    if rule.webhook_url and not Delivery.from_env().private_webhooks:
        host = httpx.URL(rule.webhook_url).host
        try:
            inner = host == "localhost" or not ipaddress.ip_address(host).is_global
        except ValueError:  # a name, not an address
            inner = False
        if inner:
            raise InvalidInput(
                f"webhook host {host!r} is a local or private address; alerts are posted only to public addresses "
                "unless the platform's operator sets SANDAN_WEBHOOK_PRIVATE=1",
                f"웹훅 호스트 {host!r}은(는) 로컬 또는 사설 주소입니다. 플랫폼 운영자가 SANDAN_WEBHOOK_PRIVATE=1로 "
                "허용하지 않으면 경보는 공인 주소로만 보냅니다",
                code="private_webhook",
                field="webhook_url",
            )
    for mid in rule.machine_ids or []:
        if store.get_machine(company_id, mid) is None:
            raise NotFound(
                f"machine {mid!r} not found", f"설비 {mid!r}을(를) 찾을 수 없습니다", code="unknown_machine"
            )
    if rule.line_id and rule.line_id not in {ln.id for ln in store.list_lines(company_id)}:
        raise NotFound(f"line {rule.line_id!r} not found", f"라인 {rule.line_id!r}을(를) 찾을 수 없습니다")
    if rule.signal and rule.kind in ("threshold", "rate_of_change", "no_data"):
        machines = set(rule.machine_ids or [])
        if rule.line_id and not machines:
            machines = {m.id for m in store.list_machines(company_id, rule.line_id)}
        covered = [s for s in store.list_signals(company_id) if not machines or s.machine_id in machines]
        signals = {s.name for s in covered}
        if rule.signal not in signals:
            en, ko = (
                ("the chosen machines have no", "선택한 설비에")
                if machines
                else ("no machine has a", "어느 설비에도")
            )
            raise InvalidInput(
                f"{en} signal {rule.signal!r}; signals: {', '.join(sorted(signals)) or 'none'} "
                "(define a signal on the machine's page first)",
                f"{ko} 신호 {rule.signal!r}이(가) 없습니다. 신호: {', '.join(sorted(signals)) or '없음'} "
                "(설비 화면에서 신호를 먼저 정의하세요)",
                code="unknown_signal",
                field="signal",
            )
        if rule.kind == "threshold":
            _check_limit_in_range(rule, [s for s in covered if s.name == rule.signal])
    if rule.kind == "spc" and rule.characteristic:
        # the newest part records, however old (a company with none yet may set its rules up before the data)
        known = measured_characteristics(
            store, company_id, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC)
        )
        if known and rule.characteristic not in known:
            raise InvalidInput(
                f"the newest part records are not measured for {rule.characteristic!r}; measured: {', '.join(known)}",
                f"최근 부품 기록에 {rule.characteristic!r} 측정값이 없습니다. 측정 항목: {', '.join(known)}",
                code="unknown_characteristic",
                field="characteristic",
            )
    if rule.kind == "spc" and rule.baseline_start is not None and rule.baseline_end is not None:
        # phase I must hold enough points to set limits, else the rule would never judge anything
        try:
            spc_rule_chart(store, company_id, rule, rule.baseline_start, rule.baseline_end, None)
        except InvalidInput as exc:
            raise InvalidInput(
                f"phase I gives no control limits: {exc.en}",
                f"1단계로 관리 한계를 정할 수 없습니다: {exc.ko}",
                code="bad_baseline",
                field="baseline_start",
            ) from None


def check_rule_name(alerts: AlertStore, company_id: str, rule: AlertRule) -> None:
    """A rule's name is the company's only one of that name (another rule of the same name made the inbox and the
    list ambiguous, and a second press of the form's button made a second rule)."""
    name = rule.name.strip().casefold()
    if not name:
        return
    for body in alerts.list_rules(company_id):
        if body.get("id") != rule.id and str(body.get("name") or "").strip().casefold() == name:
            raise Conflict(
                f"the company has a rule named {rule.name.strip()!r} already; give this one another name",
                f"이미 {rule.name.strip()!r} 이름의 규칙이 있습니다. 다른 이름을 쓰세요",
                code="rule_name_exists",
                field="name",
            )


def _check_limit_in_range(rule: AlertRule, definitions: list[Signal]) -> None:
    """Readings outside a signal's [min_value, max_value] are rejected at ingestion, so a limit outside the range
    of every machine the rule covers fires on every reading or on none — as does one on its edge on the side it
    looks beyond ("above 1500" of a 0–1500 signal). A side with no bound is not checked."""
    lows = [s.min_value for s in definitions]
    highs = [s.max_value for s in definitions]
    lo = None if None in lows else min(lows)
    hi = None if None in highs else max(highs)
    limit, above = rule.threshold, rule.direction == "above"
    every = (above and lo is not None and limit < lo) or (not above and hi is not None and limit > hi)
    never = (above and hi is not None and limit >= hi) or (not above and lo is not None and limit <= lo)
    if not (every or never):
        return
    name = SignalName.of(next((s for s in definitions if s.description.strip()), definitions[0]), rule.signal)
    unit = f" {name.unit}" if name.unit else ""
    n = plain_number
    if lo is not None and hi is not None:
        span_en, span_ko = f"{n(lo)}–{n(hi)}{unit}", f"{n(lo)}–{n(hi)}{unit}"
        fix_en, fix_ko = f"between {n(lo)} and {n(hi)}", f"{n(lo)}에서 {n(hi)} 사이의"
    elif lo is not None:
        span_en, span_ko = f"{n(lo)}{unit} and more", f"{n(lo)}{unit} 이상"
        fix_en, fix_ko = f"of {n(lo)} or more", f"{n(lo)} 이상의"
    else:
        span_en, span_ko = f"up to {n(hi)}{unit}", f"{n(hi)}{unit} 이하"
        fix_en, fix_ko = f"of {n(hi)} or less", f"{n(hi)} 이하의"
    fires_en, fires_ko = (
        ("fire on every reading", "모든 측정값에서 울립니다")
        if every
        else ("never fire", "한 번도 울리지 않습니다")
    )
    word_en, word_ko = ("above", "초과") if rule.direction == "above" else ("below", "미만")
    label_ko = field_label("threshold", rule.kind)[1]
    edge = limit == (hi if above else lo)
    where_en = (
        f"is the edge of {name.en}'s valid range {span_en}"
        if edge
        else f"lies outside {name.en}'s valid range {span_en}"
    )
    where_ko = (
        f"{name.ko}의 유효 범위 {span_ko}의 끝이라" if edge else f"{name.ko}의 유효 범위 {span_ko} 밖에 있어"
    )
    if edge:  # nothing is beyond the edge: a limit inside the range, short of it
        fix_en = f"{'below' if above else 'above'} {n(limit)} (inside the range)"
        fix_ko = f"{n(limit)}{'보다 작은' if above else '보다 큰'} (범위 안의)"
    raise InvalidInput(
        f"the limit {n(limit)} {where_en}, so the rule ({word_en}) would {fires_en}; give a limit {fix_en}",
        f"{label_ko} {particle(n(limit), '은/는')} {where_ko} 이 규칙({word_ko})은 "
        f"{fires_ko}. {fix_ko} {particle(label_ko, '을/를')} 입력하세요",
        code="limit_outside_range",
        field="threshold",
    )


@dataclass
class Finding:
    """The condition of one rule for one subject at one evaluation."""

    subject: str
    active: bool
    value: float | None
    en: str
    ko: str


@dataclass
class AlertChange:
    event: Literal["opened", "closed"]
    alert_id: int
    rule_id: str
    subject: str


# ---- rule conditions ------------------------------------------------------------------------------------
_END_PAD = timedelta(microseconds=1)  # a reading stamped exactly `now` counts as seen


def _machine_ids(store: Store, company_id: str, rule: AlertRule) -> list[str]:
    return [m.id for m in select_machines(store, company_id, rule.machine_ids, rule.line_id)]


def _fmt(v: float) -> str:
    """A reading or a rate in an alert's text: four significant digits, written plainly."""
    return plain_number(v, 4)


def _signal_name(store: Store, company_id: str, rule: AlertRule) -> SignalName:
    return signal_names(store, company_id).get(rule.signal) or SignalName.of(None, rule.signal)


def _threshold(store: Store, company_id: str, rule: AlertRule, now: datetime) -> list[Finding]:
    ids = _machine_ids(store, company_id, rule)
    if not ids:
        return []
    table = store.query_readings(company_id, now - rule.window, now + _END_PAD, ids, [rule.signal])
    if not table.num_rows:
        return []
    frame = table.select(["machine_id", "value"]).to_pandas()
    last = frame.groupby("machine_id", sort=True)["value"].last()
    name = _signal_name(store, company_id, rule)
    limit = plain_number(rule.threshold)  # as it was typed
    word_en, word_ko = ("above", "초과") if rule.direction == "above" else ("below", "미만")
    out = []
    for mid, v in last.items():
        active = v > rule.threshold if rule.direction == "above" else v < rule.threshold
        out.append(
            Finding(
                f"{mid}/{rule.signal}",
                bool(active),
                float(v),
                f"{mid} {name.label('en')} = {_fmt(v)}, {word_en} the limit {limit}",
                f"{mid} {name.label('ko')} = {_fmt(v)}, 한계 {limit} {word_ko}",
            )
        )
    return out


def _rate(store: Store, company_id: str, rule: AlertRule, now: datetime) -> list[Finding]:
    """Rate = (last − first value) / minutes between them, over the window; `above` fires on a rise faster
    than `threshold` per minute, `below` on a fall faster than it."""
    ids = _machine_ids(store, company_id, rule)
    if not ids:
        return []
    table = store.query_readings(company_id, now - rule.window, now + _END_PAD, ids, [rule.signal])
    if not table.num_rows:
        return []
    frame = table.select(["time", "machine_id", "value"]).to_pandas()
    name = _signal_name(store, company_id, rule)
    limit = plain_number(rule.threshold)
    out = []
    for mid, g in frame.groupby("machine_id", sort=True):
        if len(g) < 2:
            continue
        minutes = (g["time"].iloc[-1] - g["time"].iloc[0]).total_seconds() / 60
        if minutes <= 0:
            continue
        rate = float((g["value"].iloc[-1] - g["value"].iloc[0]) / minutes)
        active = rate > rule.threshold if rule.direction == "above" else rate < -rule.threshold
        out.append(
            Finding(
                f"{mid}/{rule.signal}",
                bool(active),
                rate,
                f"{mid} {name.label('en')} changes by {_fmt(rate)} per minute (limit {limit})",
                f"{mid} {name.label('ko')} 분당 {_fmt(rate)} 변화 (한계 {limit})",
            )
        )
    return out


def rule_calendar(alerts: AlertStore, company_id: str) -> ShiftCalendar:
    """The company's shift calendar, from the data folder its alert store is kept in (`open_alert_store`): the
    calendar its OEE dashboard counts from (two 12-h shifts, Monday to Friday, until it saves one)."""
    return company_calendar(alerts.path.parent, company_id)


#: The kinds whose condition counts the company's planned time.
_CALENDAR_KINDS = ("no_data", "oee_drop")

#: How far back a no-data rule looks for its window of planned time, in windows (plus a month of holidays): a
#: one-shift plant plans about a quarter of the week; a calendar that plans less than that is not judged.
_NO_DATA_REACH = 8


def _records(
    store: Store, company_id: str, ids: list[str], signal: str | None, start: datetime, end: datetime
) -> dict[str, int]:
    """Records each machine sent in [start, end): readings of `signal` when one is named; else every reading,
    part record and state event. An event counts when it starts or ends in the window: one begun before it and
    still open says nothing new (a collector that died in the middle of a state must not look alive)."""
    counts = dict.fromkeys(ids, 0)

    def add(frame: pd.DataFrame, column: str) -> None:
        for mid, n in frame.groupby("machine_id")[column].sum().items():
            counts[mid] += int(n)

    bucket_s = max(1, math.ceil((end - start).total_seconds()))
    readings = store.aggregate_readings(company_id, start, end, bucket_s, ids, [signal] if signal else None)
    if readings.num_rows:
        add(readings.select(["machine_id", "count"]).to_pandas(), "count")
    if signal:
        return counts
    parts = store.count_parts(company_id, start, end, PART_ROLLUP_S, ids, ordered=False)
    if parts.num_rows:
        add(parts.select(["machine_id", "produced"]).to_pandas(), "produced")
    events = store.query_events(company_id, start, end, ids, ordered=False)
    if events.num_rows:
        frame = events.select(["machine_id", "start", "end"]).to_pandas()
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
        sent = frame["start"].between(lo, hi, inclusive="left") | frame["end"].between(
            lo, hi, inclusive="left"
        )
        add(frame.assign(sent=sent.astype(int)), "sent")
    return counts


def _no_data(
    store: Store,
    company_id: str,
    rule: AlertRule,
    now: datetime,
    alerts: AlertStore,
    calendar: ShiftCalendar,
) -> list[Finding]:
    """A machine is silent when it sent nothing during the last `window` of the company's planned time (see
    `_records` for what counts): the window is measured in planned time ending now, so nights off, weekends,
    holidays, breaks and planned stops neither count towards it nor make a machine look silent. A silence opens
    an alert only in planned time; outside it an open alert of a still-silent machine is held (the plant going
    home does not 'clear' it), and one whose machine reports again closes as usual."""
    ids = _machine_ids(store, company_id, rule)
    if not ids:
        return []
    earliest = now - _NO_DATA_REACH * rule.window - timedelta(days=31)
    start = planned_start(calendar, now, rule.window, earliest)
    if start is None:
        return []  # the calendar plans (almost) nothing: no planned time to miss data in
    counts = _records(store, company_id, ids, rule.signal, start, now + _END_PAD)
    planned_now = in_planned_time(calendar, now)
    open_now = set() if planned_now else set(alerts.open_alerts(company_id, rule.id))
    minutes = _fmt(rule.window.total_seconds() / 60)
    name = _signal_name(store, company_id, rule) if rule.signal else None
    # the machine by its id and the signal by its name, as the other kinds' findings say them
    out = []
    for mid, n in counts.items():
        subject = f"{mid}{'/' + rule.signal if rule.signal else ''}"
        if n:
            en = f"{counted(n, 'reading' if name else 'record')} from {mid} in the last {minutes} min of planned time"
            ko = f"{mid}에서 최근 계획 시간 {minutes}분 동안 데이터 {n}건"
        elif name:
            en = f"no {name.name('en')} reading from {mid} for {minutes} min in planned time"
            ko = f"{mid}에서 계획 시간 {minutes}분 동안 {name.name('ko')} 데이터가 없습니다"
        else:
            en = f"no data (readings, part records or machine events) from {mid} for {minutes} min in planned time"
            ko = f"{mid}에서 계획 시간 {minutes}분 동안 데이터(측정값, 생산 실적, 설비 이벤트)가 없습니다"
        active = n == 0 and (planned_now or subject in open_now)
        out.append(Finding(subject, active, float(n), en, ko))
    return out


def spc_rule_chart(
    store: Store,
    company_id: str,
    rule: AlertRule,
    start: datetime,
    end: datetime,
    baseline_end: datetime | None,
):
    """The control chart an SPC rule watches, over [start, end), phase I up to `baseline_end` (None: all of it)."""
    ids = _machine_ids(store, company_id, rule) if (rule.machine_ids or rule.line_id) else None
    if rule.chart in ("imr", "xbar_r", "xbar_s"):
        return measurement_chart(
            store,
            company_id,
            start,
            end,
            rule.characteristic,
            chart=rule.chart,
            subgroup_size=rule.subgroup_size,
            baseline_end=baseline_end,
            machine_ids=ids,
            product=rule.product,
            rules=rule.rules,
        )
    return attribute_chart(
        store,
        company_id,
        start,
        end,
        chart=rule.chart,
        subgroup=rule.subgroup,
        baseline_end=baseline_end,
        machine_ids=ids,
        product=rule.product,
        rules=rule.rules,
    )


def spc_rule_start(rule: AlertRule, now: datetime) -> datetime:
    """Where an SPC rule's chart begins: its window's start, or with a phase I, phase I's start — never earlier,
    whatever the window (points before it would set the limits too), nor later (they would be left out)."""
    return now - rule.window if rule.baseline_start is None else rule.baseline_start


def _spc(store: Store, company_id: str, rule: AlertRule, now: datetime) -> list[Finding]:
    start = spc_rule_start(rule, now)
    try:
        chart = spc_rule_chart(store, company_id, rule, start, now + _END_PAD, rule.baseline_end)
    except InvalidInput:
        return []  # too few points in the window: nothing to judge
    subject = rule.characteristic or f"scrap/{rule.chart}"
    recent: list[str] = []
    for s in chart.series:
        first = len(s.values) - rule.recent_points
        recent += [f"{s.name}:{v.rule}" for v in s.violations if v.index >= first]
    last = float(chart.series[0].values[-1]) if len(chart.series[0].values) else None
    codes = sorted({r.split(":")[1] for r in recent})
    en = "; ".join(RULE_LABELS[c]["en"] for c in codes)
    ko = "; ".join(RULE_LABELS[c]["ko"] for c in codes)
    # what the chart watches: a characteristic, or the scrap share of the rule's machines (all of them unless named)
    if rule.characteristic:
        what = (rule.characteristic, rule.characteristic)
    elif rule.machine_ids:
        listed = ", ".join(rule.machine_ids)
        what = (f"scrap share of {listed}", f"{listed} 불량률")
    elif rule.line_id:
        what = (f"scrap share of line {rule.line_id}", f"{rule.line_id} 라인 불량률")
    else:
        what = ("scrap share of all machines together", "전체 설비 합계 불량률")
    return [
        Finding(
            subject,
            bool(recent),
            last,
            f"{what[0]} ({CHART_LABELS[rule.chart]['en']}): {en or 'in control'}",
            f"{what[1]} ({CHART_LABELS[rule.chart]['ko']}): {ko or '관리 상태'}",
        )
    ]


def _oee_drop(
    store: Store, company_id: str, rule: AlertRule, now: datetime, calendar: ShiftCalendar
) -> list[Finding]:
    ids = _machine_ids(store, company_id, rule)
    if not ids:
        return []
    # counted from the company's calendar, as its OEE dashboard counts
    table = oee(store, company_id, now - rule.window, now, by=rule.group, machine_ids=ids, calendar=calendar)
    key = "machine_id" if rule.group == "machine" else "line_id"
    # the figure is of the rule's window, not of the dashboard's: the message names it
    hours = plain_number(round(rule.window.total_seconds() / 3600, 1))
    target = plain_number(100 * rule.threshold, 6)  # as the rule's condition writes it
    # the message names the machine or line as people know it, its id beside the name where they differ
    assets = store.list_machines(company_id) if key == "machine_id" else store.list_lines(company_id)
    names = {a.id: f"{a.name} ({a.id})" if a.name and a.name != a.id else a.id for a in assets}
    out = []
    for subject, value in zip(table[key], table["oee"], strict=True):
        if not np.isfinite(value):
            continue  # no planned time or no ideal cycle time: not a drop
        named = names.get(str(subject), str(subject))
        out.append(
            Finding(
                str(subject),
                bool(value < rule.threshold),
                float(value),
                f"OEE of {named} over the last {hours} h is {value:.1%} (target {target}%)",
                f"최근 {hours}시간 {named}의 OEE {value:.1%} (목표 {target}%)",
            )
        )
    return out


def _prediction(
    store: Store, company_id: str, rule: AlertRule, now: datetime, alerts: AlertStore
) -> list[Finding]:
    wanted = set(_machine_ids(store, company_id, rule))
    out = []
    minutes = _fmt(rule.window.total_seconds() / 60)
    for p in alerts.latest_predictions(company_id, rule.model):
        if p["machine_id"] not in wanted or p["at"] > now + _END_PAD:
            continue
        if p["at"] < now - rule.window:
            # a stale prediction neither opens nor holds an alert: it is judged as clear, and says so
            out.append(
                Finding(
                    f"{p['machine_id']}/{p['model']}",
                    False,
                    None,
                    f"no prediction for {p['machine_id']} ({p['model']}) in the last {minutes} min",
                    f"최근 {minutes}분 동안 {p['machine_id']}의 예측이 없습니다 ({p['model']})",
                )
            )
            continue
        prob = float(p["probability"])
        out.append(
            Finding(
                f"{p['machine_id']}/{p['model']}",
                prob > rule.threshold,
                prob,
                f"predicted defect probability on {p['machine_id']} is {prob:.0%} ({p['model']})",
                f"{p['machine_id']}의 예측 불량 확률 {prob:.0%} ({p['model']})",
            )
        )
    return out


def findings(
    store: Store,
    company_id: str,
    rule: AlertRule,
    now: datetime,
    alerts: AlertStore,
    calendar: ShiftCalendar | None = None,
) -> list[Finding]:
    """The rule's condition for each subject it can judge now. `calendar` (the company's shift calendar) defaults
    to the one saved in the data folder of `alerts` (`rule_calendar`); no_data and oee_drop count from it."""
    if rule.kind in _CALENDAR_KINDS and calendar is None:
        calendar = rule_calendar(alerts, company_id)
    if rule.kind == "threshold":
        return _threshold(store, company_id, rule, now)
    if rule.kind == "rate_of_change":
        return _rate(store, company_id, rule, now)
    if rule.kind == "no_data":
        return _no_data(store, company_id, rule, now, alerts, calendar)
    if rule.kind == "spc":
        return _spc(store, company_id, rule, now)
    if rule.kind == "oee_drop":
        return _oee_drop(store, company_id, rule, now, calendar)
    return _prediction(store, company_id, rule, now, alerts)


# ---- delivery -----------------------------------------------------------------------------------------
@dataclass
class Delivery:
    """Where and how alerts go out besides the inbox. `from_env` reads SANDAN_SMTP_HOST, SANDAN_SMTP_PORT,
    SANDAN_SMTP_FROM, SANDAN_SMTP_USER, SANDAN_SMTP_PASSWORD, SANDAN_SMTP_STARTTLS, and SANDAN_WEBHOOK_PRIVATE
    (1: webhooks may go to loopback, private and link-local addresses — a receiver on the complex's own network;
    off by default, since a member's rule could otherwise reach the platform's own services)."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "sandan@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    timeout_s: float = 5.0
    retries: int = 3
    backoff_s: float = 0.5
    #: the longest wait a receiver's Retry-After (HTTP 429, 503) is honoured for before the next try
    retry_after_cap_s: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    private_webhooks: bool = False
    #: the zone an e-mail's times are written in, as people at the plant read them
    display_timezone: str = "Asia/Seoul"

    @classmethod
    def from_env(cls) -> Delivery:
        env = os.environ
        return cls(
            smtp_host=env.get("SANDAN_SMTP_HOST") or None,
            smtp_port=int(env.get("SANDAN_SMTP_PORT", "25")),
            smtp_from=env.get("SANDAN_SMTP_FROM", "sandan@localhost"),
            smtp_user=env.get("SANDAN_SMTP_USER") or None,
            smtp_password=env.get("SANDAN_SMTP_PASSWORD") or None,
            smtp_starttls=env.get("SANDAN_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            private_webhooks=env.get("SANDAN_WEBHOOK_PRIVATE", "").lower() in ("1", "true", "yes"),
            display_timezone=_display_timezone(),
        )

    def _retry(self, send: Callable[[], None], peer: str) -> tuple[bool, int, str | None]:
        error = None
        for attempt in range(1, self.retries + 1):
            try:
                send()
                return True, attempt, None
            except _Permanent as exc:
                return False, attempt, str(exc)
            except (httpx.HTTPError, OSError, smtplib.SMTPException, _Transient) as exc:
                error = _failure(exc, peer, self.timeout_s)
                wait = self.backoff_s * 2 ** (attempt - 1)
                if isinstance(exc, _Transient) and exc.retry_after_s is not None:
                    wait = min(exc.retry_after_s, self.retry_after_cap_s)
                if attempt < self.retries:
                    self.sleep(wait)
        return False, self.retries, f"{error} after {self.retries} {'try' if self.retries == 1 else 'tries'}"

    def post_webhook(self, url: str, payload: dict[str, Any]) -> tuple[bool, int, str | None]:
        """POST the payload as JSON; 5xx, 429 (too many requests) and network errors are retried with exponential
        back-off — or after the receiver's Retry-After, up to `retry_after_cap_s` — other 4xx are not."""

        def send() -> None:
            if not self.private_webhooks:
                _require_public(url)
            r = httpx.post(url, json=payload, timeout=self.timeout_s)
            if r.status_code >= 500 or r.status_code == 429:
                raise _Transient(
                    f"HTTP {r.status_code} from the receiver", _retry_after_s(r.headers.get("Retry-After"))
                )
            if r.status_code >= 400:
                raise _Permanent(f"HTTP {r.status_code} from the receiver")

        return self._retry(send, "the receiver")

    def send_email(self, to: list[str], subject: str, body: str) -> tuple[bool, int, str | None]:
        if not self.smtp_host:
            return False, 0, "no SMTP server configured (SANDAN_SMTP_HOST)"
        msg = EmailMessage()
        try:
            msg["From"] = _header(self.smtp_from)
            msg["To"] = _header(", ".join(to))
            msg["Subject"] = _header(subject)
            msg.set_content(body)
        except (ValueError, TypeError) as exc:
            return False, 0, f"the e-mail could not be written: {exc}"

        def send() -> None:
            with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout_s) as smtp:
                if self.smtp_starttls:
                    smtp.starttls()
                if self.smtp_user:
                    smtp.login(self.smtp_user, self.smtp_password or "")
                smtp.send_message(msg)

        return self._retry(send, "the mail server")

    def local_time(self, t: datetime) -> str:
        """A time as people at the plant read it: "2025-03-10 09:01 KST" (`display_timezone`)."""
        try:
            zone = ZoneInfo(self.display_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        return t.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _display_timezone() -> str:
    """The platform's display time zone (`Settings.display_timezone`); its default when the settings cannot be
    read (the server would not have started, but a script may deliver)."""
    from sandan.settings import Settings, load_settings

    try:
        return load_settings().display_timezone
    except SandanError:
        return Settings.model_fields["display_timezone"].default


def _header(text: str) -> str:
    """A header's value on one line: a line break in it (a rule's name) is refused by the e-mail library."""
    return " ".join(str(text).split())


def _retry_after_s(value: str | None) -> float | None:
    """A Retry-After header in seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _failure(exc: Exception, peer: str, timeout_s: float) -> str:
    """A failed try in words, naming who failed rather than the exception's class."""
    if isinstance(exc, _Transient):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"no answer from {peer} within {plain_number(timeout_s)} s"
    if isinstance(exc, smtplib.SMTPException):
        return f"{peer} refused the e-mail: {exc}"
    return f"cannot reach {peer}: {exc or type(exc).__name__}"


def _require_public(url: str) -> None:
    """Refuse a webhook whose host is or resolves to a loopback, private, link-local or reserved address (the
    platform's own services, a cloud's metadata at 169.254.169.254): one member's alert rule must not reach into
    the platform's network, nor use delivery errors to map it."""
    host = httpx.URL(url).host
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as exc:  # not resolvable: the POST says so
        raise _Transient(f"cannot resolve {host!r}: {exc}") from exc
    inner = sorted(a for a in found if not ipaddress.ip_address(a.split("%")[0]).is_global)
    if inner:
        raise _Permanent(
            f"webhook host {host!r} is on a private or local address ({', '.join(inner)}); the platform posts only "
            "to public addresses unless its operator sets SANDAN_WEBHOOK_PRIVATE=1"
        )


class _Transient(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class _Permanent(Exception):
    pass


def alert_payload(alert: dict[str, Any], rule: AlertRule, event: str) -> dict[str, Any]:
    """What a webhook receives: the event, the alert and its rule, messages in both languages."""

    def iso(t: datetime | None) -> str | None:
        return t.isoformat() if t else None

    return {
        "event": event,
        "alert": {
            "id": alert["id"],
            "company_id": alert["company_id"],
            "rule_id": alert["rule_id"],
            "subject": alert["subject"],
            "kind": alert["kind"],
            "severity": alert["severity"],
            "status": alert["status"],
            "opened_at": iso(alert["opened_at"]),
            "closed_at": iso(alert["closed_at"]),
            "value": alert["value"],
            "message": {"en": alert["message_en"], "ko": alert["message_ko"]},
        },
        "rule": {"id": rule.id, "name": rule.name, "kind": rule.kind},
    }


def _deliver(
    alerts: AlertStore,
    delivery: Delivery,
    rule: AlertRule,
    company_id: str,
    alert: dict[str, Any],
    event: str,
) -> None:
    """Send the alert as it was at `event` to the rule's webhook and e-mail, and record each outcome."""
    alert_id = alert["id"]
    if rule.webhook_url:
        ok, attempts, error = _attempt(
            lambda: delivery.post_webhook(rule.webhook_url, alert_payload(alert, rule, event))
        )
        alerts.add_delivery(company_id, alert_id, "webhook", rule.webhook_url, event, ok, attempts, error)
    if rule.email_to:
        word = {"opened": ("ALERT", "경보 발생"), "closed": ("cleared", "경보 해제")}[event]
        subject = f"[sandan] {word[1]} / {word[0]}: {rule.name or rule.id} — {alert['subject']}"
        # times as people at the plant read them; the webhook's JSON keeps them in UTC ISO 8601
        body = (
            f"{alert['message_ko']}\n{alert['message_en']}\n\n"
            f"회사 company: {company_id}\n규칙 rule: {rule.id} ({KIND_LABELS[rule.kind]['ko']} / "
            f"{KIND_LABELS[rule.kind]['en']})\n심각도 severity: {alert['severity']}\n"
            f"발생 opened: {delivery.local_time(alert['opened_at'])}\n"
            + (f"해제 closed: {delivery.local_time(alert['closed_at'])}\n" if alert["closed_at"] else "")
        )
        ok, attempts, error = _attempt(lambda: delivery.send_email(rule.email_to, subject, body))
        alerts.add_delivery(
            company_id, alert_id, "email", ", ".join(rule.email_to), event, ok, attempts, error
        )


def _not_sent(
    alerts: AlertStore, rule: AlertRule, company_id: str, alert_id: int, event: str, waiting: int
) -> None:
    """Record the alert's deliveries as failed: too many were waiting to be sent."""
    error = f"not sent: {waiting} deliveries were waiting to be sent already"
    if rule.webhook_url:
        alerts.add_delivery(company_id, alert_id, "webhook", rule.webhook_url, event, False, 0, error)
    if rule.email_to:
        alerts.add_delivery(company_id, alert_id, "email", ", ".join(rule.email_to), event, False, 0, error)


class DeliverySender:
    """Sends alerts' webhooks and e-mails from a few daemon threads, each outcome recorded as it comes: an evaluation
    round — and a reported prediction's request — does not wait on receivers. Deliveries go in lanes (a company's):
    one lane's go out one after another in the order given, by one sender at a time, and the senders take turns
    over the lanes, so one company's hung receiver (three 5-s timeouts a delivery) holds up its own deliveries only,
    not another company's (66 s behind four of them, with one thread for all). At most `size` deliveries wait, and
    `per_lane` of one lane; beyond that one is recorded as failed at once rather than held in memory."""

    def __init__(self, size: int = 1000, *, senders: int = 4, per_lane: int = 200) -> None:
        self.size, self.per_lane, self.senders = size, per_lane, senders
        self._cv = threading.Condition()
        self._lanes: dict[str, deque[Callable[[], None]]] = {}
        self._turns: deque[str] = deque()  # lanes with deliveries waiting and no sender on them, in turn
        self._busy: set[str] = set()  # lanes a sender is on
        self._waiting = 0
        self._unfinished = 0
        self._threads: list[threading.Thread] = []

    def submit(self, send: Callable[[], None], refused: Callable[[int], None], lane: str = "") -> None:
        """Send later, after what `lane` was given before; when too many wait, `refused(waiting)` records why not,
        now."""
        with self._cv:
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self.senders:
                thread = threading.Thread(target=self._run, name="sandan-alert-delivery", daemon=True)
                thread.start()
                self._threads.append(thread)
            waiting = self._lanes.setdefault(lane, deque())
            full = self._waiting >= self.size or len(waiting) >= self.per_lane
            if not full:
                if not waiting and lane not in self._turns and lane not in self._busy:
                    self._turns.append(lane)
                waiting.append(send)
                self._waiting += 1
                self._unfinished += 1
                self._cv.notify()
            count = self._waiting
        if full:
            refused(count)

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._turns:
                    self._cv.wait()
                lane = self._turns.popleft()
                send = self._lanes[lane].popleft()
                self._waiting -= 1
                self._busy.add(lane)
            try:
                send()
            # a store closed meanwhile, say: the next delivery is still sent
            except Exception:
                log.exception("alert delivery failed")
            finally:
                with self._cv:
                    self._busy.discard(lane)
                    if self._lanes[lane]:
                        self._turns.append(lane)
                    else:
                        del self._lanes[lane]
                    self._unfinished -= 1
                    self._cv.notify_all()

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Wait until every delivery submitted so far is sent and recorded (a test, a script before it ends); False
        when some still are not after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        with self._cv:
            while self._unfinished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True


#: The process's sender of alert deliveries (`evaluate_alerts`).
SENDER = DeliverySender()


def wait_for_deliveries(timeout_s: float = 30.0) -> bool:
    """Wait until the alert deliveries submitted so far are sent and recorded; False on timeout."""
    return SENDER.wait(timeout_s)


def _attempt(send: Callable[[], tuple[bool, int, str | None]]) -> tuple[bool, int, str | None]:
    """A delivery's outcome; one that fails in a way its channel did not foresee (a webhook address the HTTP client
    cannot read) is a failed delivery too, never an error that ends the evaluation round."""
    try:
        return send()
    except Exception as exc:
        log.exception("alert delivery failed")
        return False, 0, f"the delivery could not be made: {exc or type(exc).__name__}"


# ---- evaluation ---------------------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise InvalidInput("`now` needs a time zone", "`now`에 시간대가 필요합니다", code="naive_time")
    return now.astimezone(UTC)


def apply_findings(
    alerts: AlertStore, company_id: str, rule: AlertRule, found: list[Finding], now: datetime
) -> list[AlertChange]:
    """Open, hold or close the rule's alerts from its findings (see the module docstring). Only a finding that the
    condition no longer holds clears an alert: a subject with no finding — no readings in the window, no planned
    time to count OEE in — says nothing, and its alert stays as it is (a dead collector does not clear a limit).

    The read of the open alerts and the writes after it hold the store (`AlertStore.exclusive`): the evaluator
    and a reported prediction judging one rule at once opened two alerts for one condition."""
    changes: list[AlertChange] = []
    active = {f.subject: f for f in found if f.active}
    judged = {f.subject for f in found}
    with alerts.exclusive():
        open_now = alerts.open_alerts(company_id, rule.id)
        for subject, f in active.items():
            existing = open_now.get(subject)
            if existing is None:
                alert_id = alerts.open_alert(
                    company_id,
                    rule.id,
                    subject,
                    kind=rule.kind,
                    severity=rule.severity,
                    at=now,
                    value=f.value,
                    message_en=f.en,
                    message_ko=f.ko,
                )
                if alert_id is not None:
                    changes.append(AlertChange("opened", alert_id, rule.id, subject))
            else:
                alerts.still_active(company_id, existing["id"], now, f.value, f.en, f.ko)
        for subject, existing in open_now.items():
            if subject in active or subject not in judged:
                continue
            since = existing["clear_since"]
            if since is None:
                alerts.clearing(company_id, existing["id"], now)
                since = now
            if now - since >= timedelta(seconds=rule.hold_s):
                alerts.close_alert(company_id, existing["id"], now)
                changes.append(AlertChange("closed", existing["id"], rule.id, subject))
    return changes


def retire_rule_alerts(
    alerts: AlertStore,
    company_id: str,
    rule_id: str,
    why: Literal["deleted", "disabled"],
    now: datetime | None = None,
) -> list[int]:
    """Close the open alerts of a rule that was deleted or disabled (nothing judges them any more, and an open one
    would stay open for good); the ids closed. Each says it closed for that reason, not because its condition
    cleared, and no "cleared" message is delivered for it."""
    now = _now(now)
    en, ko = {
        "deleted": (f"rule {rule_id} was deleted", f"규칙 {particle(rule_id, '이/가')} 삭제되어"),
        "disabled": (f"rule {rule_id} was turned off", f"규칙 {particle(rule_id, '이/가')} 꺼져"),
    }[why]
    closed = []
    with alerts.exclusive():
        for existing in alerts.open_alerts(company_id, rule_id).values():
            alerts.close_alert(
                company_id,
                existing["id"],
                now,
                f"closed because {en}, not because it cleared; last: {existing['message_en']}",
                f"{ko} 닫았습니다(해제 아님). 마지막 상태: {existing['message_ko']}",
            )
            closed.append(existing["id"])
    return closed


def _retire_orphans(alerts: AlertStore, company_id: str, now: datetime) -> None:
    """Close the open alerts of the company's rules that are gone or turned off (a rule deleted or disabled in a
    way that did not close them)."""
    bodies = {str(b.get("id")): b for b in alerts.list_rules(company_id)}
    for rule_id in alerts.open_alert_rules(company_id):
        body = bodies.get(rule_id)
        if body is None:
            retire_rule_alerts(alerts, company_id, rule_id, "deleted", now)
        elif body.get("enabled") is False:
            retire_rule_alerts(alerts, company_id, rule_id, "disabled", now)


def stored_rule(body: Mapping[str, Any]) -> tuple[AlertRule | None, InvalidInput | None]:
    """A stored rule, or None with why it no longer holds (in both languages): a rule saved before a check was
    added (a limit rule without a signal, say) is shown as such and left out of the evaluation, instead of failing
    every rule of its company."""
    try:
        return AlertRule.model_validate(body), None
    except ValidationError as exc:
        return None, invalid_input_from(exc)


def _rules(alerts: AlertStore, company_id: str, kinds: tuple[str, ...] | None = None) -> list[AlertRule]:
    out = []
    for body in alerts.list_rules(company_id):
        rule, why = stored_rule(body)
        if rule is None:
            log.warning("alert rule %s of %s is skipped: %s", body.get("id"), company_id, why.en)
            continue
        if rule.enabled and (kinds is None or rule.kind in kinds):
            out.append(rule)
    return out


def evaluate_alerts(
    store: Store,
    company_id: str,
    now: datetime | None = None,
    *,
    alerts: AlertStore | None = None,
    delivery: Delivery | None = None,
    kinds: tuple[str, ...] | None = None,
    sender: DeliverySender | None = None,
) -> list[AlertChange]:
    """Run the company's enabled rules over recent data at `now`; open, hold and close alerts, and deliver
    every opening and closing — from `sender` (default `SENDER`), so the round does not wait on receivers
    (`wait_for_deliveries` waits for them). A rule that cannot be evaluated (unknown machine, say) is logged and
    skipped. `alerts` defaults to the alert store of the default settings' data folder."""
    now = _now(now)
    if alerts is None:
        from sandan.settings import load_settings

        alerts = open_alert_store(load_settings().data_dir)
    delivery = delivery or Delivery.from_env()
    sender = sender or SENDER
    if kinds is None:
        _retire_orphans(alerts, company_id, now)
    changes: list[AlertChange] = []
    calendar: ShiftCalendar | None = None  # read once a round, by the first rule that counts planned time
    for rule in _rules(alerts, company_id, kinds):
        try:
            if rule.kind in _CALENDAR_KINDS and calendar is None:
                calendar = rule_calendar(alerts, company_id)
            found = findings(store, company_id, rule, now, alerts, calendar)
        except SandanError as exc:
            log.warning("alert rule %s of %s skipped: %s", rule.id, company_id, exc.en)
            continue
        done = apply_findings(alerts, company_id, rule, found, now)
        for change in done:
            # the alert as it is now: a later change must not alter what this event says
            alert = alerts.get_alert(company_id, change.alert_id)
            if alert is None or not (rule.webhook_url or rule.email_to):
                continue
            sender.submit(
                partial(_deliver, alerts, delivery, rule, company_id, alert, change.event),
                partial(_not_sent, alerts, rule, company_id, change.alert_id, change.event),
                lane=company_id,
            )
        changes += done
    return changes


def report_prediction(
    store: Store,
    company_id: str,
    machine_id: str,
    probability: float,
    *,
    model: str = "default",
    at: datetime | None = None,
    alerts: AlertStore,
    delivery: Delivery | None = None,
) -> list[AlertChange]:
    """A model's predicted defect probability for a machine's next parts. Recorded, then the company's
    prediction rules run at once, so an alert does not wait for the next evaluator round."""
    at = _now(at)
    if store.get_machine(company_id, machine_id) is None:
        raise NotFound(
            f"machine {machine_id!r} not found for company {company_id}",
            f"회사 {company_id}에 설비 {machine_id!r}이(가) 없습니다",
            code="unknown_machine",
        )
    if not (isinstance(probability, int | float) and 0 <= probability <= 1):
        raise InvalidInput(
            f"a probability is a number from 0 to 1 (got {probability!r})",
            f"확률은 0에서 1 사이의 숫자여야 합니다({probability!r})",
            code="bad_probability",
        )
    alerts.put_prediction(company_id, machine_id, model, float(probability), at)
    return evaluate_alerts(store, company_id, at, alerts=alerts, delivery=delivery, kinds=("prediction",))


def acknowledge_alert(
    alerts: AlertStore,
    company_id: str,
    alert_id: int,
    user_id: str,
    comment: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record who acknowledged an alert, when, and their comment; a second acknowledgement is refused."""
    alert = alerts.get_alert(company_id, alert_id)
    if alert is None:
        raise NotFound(
            f"alert {alert_id} not found", f"경보 {alert_id}을(를) 찾을 수 없습니다", code="not_found"
        )
    if not alerts.acknowledge(company_id, alert_id, user_id, comment.strip(), _now(now)):
        raise Conflict(
            f"alert {alert_id} was already acknowledged by {alert['acked_by']}",
            f"경보 {alert_id}은(는) 이미 {alert['acked_by']}님이 확인했습니다",
            code="already_acknowledged",
        )
    return alerts.get_alert(company_id, alert_id)


class AlertEvaluator(BackgroundLoop):
    """Runs `evaluate_alerts` for every company with rules every `interval_s` seconds in a daemon thread, counted
    from the start of one round to the next (a round of many companies' rules took 40 s, and the wait after it made
    the rules checked every 100 s); a round longer than the interval is logged, and the next begins after a short
    breath (`MIN_GAP` of the interval)."""

    #: the least pause between rounds, as a share of the interval
    MIN_GAP = 0.1

    def __init__(
        self, store: Store, alerts: AlertStore, interval_s: float = 60.0, delivery: Delivery | None = None
    ) -> None:
        self.store = store
        self.alerts = alerts
        self.interval_s = float(interval_s)
        self.delivery = delivery
        self.rounds = 0
        self.last_round_s = 0.0
        super().__init__("sandan-alerts")

    def run_once(self, now: datetime | None = None) -> dict[str, list[AlertChange]]:
        out = {}
        for company_id in self.alerts.cross_tenant_companies_with_rules():
            try:
                out[company_id] = evaluate_alerts(
                    self.store, company_id, now, alerts=self.alerts, delivery=self.delivery
                )
            except Exception:  # one company's failure must not stop the others' alerts
                log.exception("alert evaluation failed for %s", company_id)
        self.rounds += 1
        return out

    def wait_s(self) -> float:
        return max(self.interval_s * self.MIN_GAP, self.interval_s - self.last_round_s)

    def tick(self) -> None:
        began = time.monotonic()
        try:
            self.run_once()
        # one failed read (the rule list, say) must not end the thread: the next round tries again
        except Exception:
            log.exception("alert evaluation round failed")
        finally:
            self.last_round_s = time.monotonic() - began
        if self.last_round_s > self.interval_s:
            log.warning(
                "an alert round took %.0f s, longer than its %g s interval: rules are checked less often than that",
                self.last_round_s,
                self.interval_s,
            )
