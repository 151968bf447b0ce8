"""Monitoring: OEE (ISO 22400), defect rate and Pareto, SPC charts with run rules, Cp/Cpk, alert rules.

Plain functions over a Store; no interface code and no SQL here.
"""

from sandan.monitor.alert_store import AlertStore, open_alert_store
from sandan.monitor.alerts import (
    AlertChange,
    AlertEvaluator,
    AlertRule,
    Delivery,
    acknowledge_alert,
    evaluate_alerts,
    report_prediction,
)
from sandan.monitor.calendar import Break, PlannedStop, Shift, ShiftCalendar, shift_windows
from sandan.monitor.codes import CodeName, CodeTable, company_codes, save_company_codes
from sandan.monitor.downtime import label_downtime
from sandan.monitor.labels import LABELS, OEE_STATUS, RULE_LABELS, label
from sandan.monitor.oee import (
    OeeReport,
    downtime_pareto,
    oee,
    oee_report,
    oee_trend,
    six_big_losses,
    unexplained_downtime,
)
from sandan.monitor.peers import cross_tenant_peer_benchmark, cross_tenant_peer_benchmarks
from sandan.monitor.quality import defect_pareto, part_frame, quality_table
from sandan.monitor.spc import (
    Capability,
    ChartSeries,
    ControlChart,
    RuleViolation,
    attribute_chart,
    c_chart,
    capability,
    capability_from_store,
    control_constants,
    imr_chart,
    measured_characteristics,
    measurement_chart,
    measurements,
    np_chart,
    p_chart,
    run_rules,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)

__all__ = [
    "CodeName",
    "CodeTable",
    "company_codes",
    "save_company_codes",
    "AlertStore",
    "open_alert_store",
    "AlertChange",
    "AlertEvaluator",
    "AlertRule",
    "Delivery",
    "acknowledge_alert",
    "evaluate_alerts",
    "report_prediction",
    "cross_tenant_peer_benchmark",
    "cross_tenant_peer_benchmarks",
    "Break",
    "PlannedStop",
    "Shift",
    "ShiftCalendar",
    "shift_windows",
    "LABELS",
    "OEE_STATUS",
    "RULE_LABELS",
    "label",
    "OeeReport",
    "oee",
    "oee_report",
    "oee_trend",
    "six_big_losses",
    "downtime_pareto",
    "unexplained_downtime",
    "label_downtime",
    "quality_table",
    "defect_pareto",
    "part_frame",
    "Capability",
    "ChartSeries",
    "ControlChart",
    "RuleViolation",
    "control_constants",
    "run_rules",
    "xbar_r_chart",
    "xbar_s_chart",
    "imr_chart",
    "p_chart",
    "np_chart",
    "c_chart",
    "u_chart",
    "capability",
    "measurements",
    "measured_characteristics",
    "measurement_chart",
    "attribute_chart",
    "capability_from_store",
]
