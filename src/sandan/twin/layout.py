"""A layout sketch of a line as a self-contained SVG: stations with their parallel machines, the input buffers, the
flows of the products' routings with transport times, and — given a simulation result — utilisation and the bottleneck.

It only draws what `LineModel` and a result dict say; it computes no KPI.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from sandan.domain.text import fit_text
from sandan.twin.line import LineModel

_TEXT = {
    "ko": {"buffer": "버퍼", "machines": "대", "bottleneck": "병목", "util": "가동", "workers": "작업자"},
    "en": {
        "buffer": "buffer",
        "machines": "×",
        "bottleneck": "bottleneck",
        "util": "util.",
        "workers": "workers",
    },
}


def _fmt_s(seconds: float) -> str:
    """A time in seconds as the other pages write one: "45.5 s", "10,753 s (3.0 h)"."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    hours = f" ({seconds / 3600:,.1f} h)" if seconds >= 3600 else ""
    return f"{seconds:,.0f} s{hours}"


def layout_svg(line: LineModel, result: Mapping[str, Any] | None = None, *, lang: str = "ko") -> str:
    """Stations left to right in the order the line lists them; a forward flow between neighbours is a straight
    arrow, any other flow (skipping a station, going back for rework) an arc above the row. With `result` (a
    `simulate_line` result) each station shows its mean utilisation and the bottleneck is outlined in red."""
    tx = _TEXT["en" if lang == "en" else "ko"]
    esc = html.escape
    box_w, box_h, gap, buf_w = 130, 96, 70, 26
    left, top = 20, 70
    n = len(line.stations)
    pos = {s.id: left + i * (box_w + gap) + buf_w + 8 for i, s in enumerate(line.stations)}
    flows: dict[tuple[str, str], list[str]] = {}
    for p in line.products:
        route = [st.station for st in p.routing]
        for a, b in zip(route, route[1:], strict=False):
            flows.setdefault((a, b), []).append(p.id)
    transport = {(t.from_, t.to): t.time.expected for t in line.transports}
    order = {s.id: i for i, s in enumerate(line.stations)}
    arcs = [k for k in flows if order[k[1]] != order[k[0]] + 1]
    top += 24 * min(len(arcs), 4)
    width = left + n * (box_w + gap) + buf_w
    stations_out = (result or {}).get("stations") or {}
    bottleneck = (result or {}).get("bottleneck")
    serving = {
        s.id: [g.id for g in line.workers if g.serves(s)] for s in line.stations if s.worker is not None
    }
    height = top + box_h + (46 if serving else 28)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="twin-layout" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img" '
        f'aria-label="{esc(line.name or line.id)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4a5866"/></marker></defs>',
        f'<text x="{left}" y="20" font-size="14" font-weight="bold">{esc(line.name or line.id)}</text>',
    ]
    for s in line.stations:
        x = pos[s.id]
        y = top
        # the input buffer: a small queue box in front of the station
        bx = x - buf_w - 6
        cap = "∞" if s.buffer is None else str(s.buffer)
        parts.append(
            f'<g class="buffer" data-station="{esc(s.id)}"><rect x="{bx}" y="{y + box_h / 2 - 16}" '
            f'width="{buf_w}" height="32" fill="#f4f6f9" stroke="#8a96a3" stroke-dasharray="3,2"/>'
            f'<text x="{bx + buf_w / 2}" y="{y + box_h / 2 + 4}" text-anchor="middle">{cap}</text>'
            f"<title>{tx['buffer']} {cap}</title></g>"
        )
        kpi = stations_out.get(s.id) or {}
        util = (kpi.get("utilisation") or {}).get("mean")
        is_bn = s.id == bottleneck
        fill = "#ffffff" if util is None else f"hsl({max(0.0, 120 - 120 * min(util, 1.0)):.0f},70%,88%)"
        stroke, sw = ("#c62828", 3) if is_bn else ("#34495e", 1.2)
        parts.append(
            f'<g class="station{" bottleneck" if is_bn else ""}" data-station="{esc(s.id)}">'
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="5" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{sw}"/>'
            f'<text x="{x + box_w / 2}" y="{y + 17}" text-anchor="middle" font-weight="bold">'
            f"<title>{esc(s.id)}</title>{esc(fit_text(s.id, box_w - 10, 12 * 1.1))}</text>"
        )
        if s.name:
            # a long name (a station of several machines lists them all) is cut with an ellipsis, whole on hover
            short = fit_text(s.name, box_w - 10, 10)
            parts.append(
                f'<text x="{x + box_w / 2}" y="{y + 31}" text-anchor="middle" font-size="10" fill="#5b6875">'
                f"<title>{esc(s.name)}</title>{esc(short)}</text>"
            )
        # parallel machines as small squares (at most 8 drawn)
        shown = min(s.machines, 8)
        mx0 = x + box_w / 2 - (shown * 14 - 4) / 2
        for k in range(shown):
            parts.append(f'<rect x="{mx0 + k * 14:.1f}" y="{y + 38}" width="10" height="10" fill="#5c7fa3"/>')
        machines = f"{s.machines}{tx['machines']}" if lang != "en" else f"{tx['machines']}{s.machines}"
        parts.append(
            f'<text x="{x + box_w / 2}" y="{y + 64}" text-anchor="middle">{machines} · '
            f"{_fmt_s(s.process_time.expected)}</text>"
        )
        if util is not None:
            label = f"{tx['util']} {util:.0%}" + (f" · {tx['bottleneck']}" if is_bn else "")
            parts.append(
                f'<text x="{x + box_w / 2}" y="{y + 82}" text-anchor="middle" '
                f'font-weight="{"bold" if is_bn else "normal"}" fill="{"#c62828" if is_bn else "#222"}">'
                f"{esc(label)}</text>"
            )
        if s.failure is not None:
            parts.append(
                f'<text x="{x + box_w - 6}" y="{y + 14}" text-anchor="end" fill="#b26a00">⚠'
                f"<title>MTBF {_fmt_s(s.failure.mtbf.expected)}, MTTR {_fmt_s(s.failure.mttr.expected)}"
                "</title></text>"
            )
        parts.append("</g>")
        if s.id in serving:
            parts.append(
                f'<text x="{x + box_w / 2}" y="{y + box_h + 18}" text-anchor="middle" font-size="11" '
                f'fill="#5b6875">{tx["workers"]}: {esc(", ".join(serving[s.id]))}</text>'
            )
    # flows: neighbours as straight arrows, anything else as arcs above
    arc_level = 0
    for (a, b), products in flows.items():
        label = ", ".join(products) if len(line.products) > 1 else ""
        if (a, b) in transport:
            label = (label + " · " if label else "") + f"→ {_fmt_s(transport[(a, b)])}"
        xa, xb = pos[a] + box_w, pos[b]
        ym = top + box_h / 2
        if order[b] == order[a] + 1:
            parts.append(
                f'<line class="flow" x1="{xa}" y1="{ym}" x2="{xb - buf_w - 8}" y2="{ym}" stroke="#4a5866" '
                f'stroke-width="1.6" marker-end="url(#arrow)"/>'
            )
            if label:
                parts.append(
                    f'<text x="{(xa + xb - buf_w) / 2}" y="{ym - 8}" text-anchor="middle" font-size="10">'
                    f"{esc(label)}</text>"
                )
        else:
            arc_level += 1
            lift = 24 * min(arc_level, 4)
            x1, x2 = pos[a] + box_w / 2, pos[b] + box_w / 2
            parts.append(
                f'<path class="flow" d="M{x1},{top} C{x1},{top - lift - 10} {x2},{top - lift - 10} {x2},{top}" '
                f'fill="none" stroke="#4a5866" stroke-width="1.3" stroke-dasharray="5,3" '
                f'marker-end="url(#arrow)"/>'
            )
            if label:
                parts.append(
                    f'<text x="{(x1 + x2) / 2}" y="{top - lift - 4}" text-anchor="middle" font-size="10">'
                    f"{esc(label)}</text>"
                )
    parts.append("</svg>")
    return "\n".join(parts)
