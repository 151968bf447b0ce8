// OEE dashboard at any level (complex, company, line, machine): polls the monitoring API and redraws.
// Every figure comes from GET …/oee/dashboard (sandan.monitor.oee_report); this script only formats it.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("mon-config").textContent);
  var times = sandanChartTime(cfg.timezone);
  var num = sandanNumbers(cfg.lang);
  var days = sandanChartTime("UTC", { days: true });
  var status = document.getElementById("mon-status");
  // the period: a span up to now or one production day, kept in the address (period.js)
  var period = sandanPeriod(cfg, document.getElementById("mon-range"), document.getElementById("mon-day"));
  function keepRange(href) { return period.keep(href); }
  var plot = null;
  var busy = false;

  function text(key, fields) {
    var s = cfg.text[key] || key;
    Object.keys(fields || {}).forEach(function (k) { s = s.split("{" + k + "}").join(fields[k]); });
    return s;
  }
  function label(key) { return cfg.labels[key] || key; }
  function pct(v) { return num.pct(v, 1); }
  function hours(s) { return s == null ? "–" : num.fixed(s / 3600, 1); }
  function say(msg) { return msg ? (msg[cfg.lang] || msg.en) : ""; }
  function el(tag, attrs, content) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (content instanceof Node) e.appendChild(content); else if (content != null) e.textContent = content;
    return e;
  }
  function api(company) { return "/api/v1/companies/" + encodeURIComponent(company); }
  function windowQuery() { return period.query(); }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok) throw new Error(say(body && body.error && body.error.message) || String(r.status));
        return body;
      });
    });
  }

  function kpis(row) {
    document.querySelectorAll("#kpis .kpi").forEach(function (tile) {
      var v = row ? row[tile.dataset.kpi] : null;
      var out = tile.querySelector(".kpi-value");
      out.textContent = pct(v);
      out.title = row && row.oee_status && row.oee_status !== "ok" ? row.oee_status : "";
    });
  }

  // What the figures leave out or cap, said once above them (the report's notes).
  function notes(list) {
    var box = document.getElementById("mon-notes");
    if (!box) return;
    box.innerHTML = "";
    (list || []).forEach(function (n) { box.appendChild(el("p", { class: "notice info", "data-note": n.code }, say(n))); });
  }

  // One table for the level below: companies, lines, machines or shifts. A click on a heading sorts by it (again:
  // the other way; no figure sorts last); at the complex level a search keeps the members whose name holds it.
  var columns = ["name", "oee", "availability", "effectiveness", "quality", "produced_qty", "scrap_qty", "down_time_s"];
  var order = { key: null, dir: 1 };
  var shown = null;  // the last rows drawn, redrawn when the order or the search changes
  var find = document.getElementById("children-find");
  if (find) find.addEventListener("input", function () { if (shown) children.apply(null, shown); });
  function sortKey(r, key, nameOf) {
    if (key === "name") return nameOf(r);
    return r.recorded === false && !(r.parts_only && ["quality", "produced_qty", "scrap_qty"].indexOf(key) >= 0) ? null : r[key];
  }
  function arranged(rows, nameOf) {
    var words = find ? find.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    var out = rows.filter(function (r) {
      var name = String(nameOf(r)).toLowerCase() + " " + String(r._key || "").toLowerCase();
      return words.every(function (w) { return name.indexOf(w) >= 0; });
    });
    if (order.key) {
      out.sort(function (a, b) {
        var x = sortKey(a, order.key, nameOf), y = sortKey(b, order.key, nameOf);
        if (x == null || y == null) return (x == null) - (y == null);
        if (order.key === "name") return order.dir * String(x).localeCompare(String(y), cfg.lang);
        return order.dir * (x - y);
      });
    }
    return out;
  }
  function children(rows, nameOf, hrefOf) {
    shown = [rows, nameOf, hrefOf];
    var table = document.getElementById("children");
    var head = ["mon.col_name", "mon.kpi_oee", "mon.kpi_availability", "mon.kpi_effectiveness", "mon.kpi_quality",
                "mon.col_produced", "mon.col_scrap", "mon.col_down_h"];
    table.tHead.innerHTML = "";
    var tr = el("tr");
    head.forEach(function (k, i) {
      var th = el("th", { class: i ? "num sort" : "sort", tabindex: "0", "data-sort": columns[i] }, text(k));
      if (order.key === columns[i]) th.setAttribute("aria-sort", order.dir === 1 ? "ascending" : "descending");
      if (k === "mon.kpi_quality") th.title = text("mon.kpi_quality_help");
      function pick() {
        order = { key: columns[i], dir: order.key === columns[i] ? -order.dir : 1 };
        children.apply(null, shown);
        table.querySelector('th[data-sort="' + columns[i] + '"]').focus();  // the heading was drawn again
      }
      th.addEventListener("click", pick);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") pick(); });
      tr.appendChild(th);
    });
    table.tHead.appendChild(tr);
    var body = table.tBodies[0];
    body.innerHTML = "";
    var listed = arranged(rows, nameOf);
    listed.forEach(function (r) {
      var row = el("tr", { "data-row": r._key || "" });
      var name = hrefOf ? el("a", { href: hrefOf(r) }, nameOf(r)) : el("span", {}, nameOf(r));
      var cell = el("td", {}, name);
      if (r.calendar_error) {  // its saved calendar cannot be read: counted in the default shifts
        cell.appendChild(el("span", { class: "muted", "data-note": "calendar-unreadable", title: say(r.calendar_error) }, " · " + text("mon.calendar_unreadable")));
      }
      if (r.recorded === false && r.parts_only) {  // part records without machine states: no OEE, but output
        cell.appendChild(el("span", { class: "muted", "data-note": "parts-only" }, " · " + text("mon.parts_only")));
        r = { _key: r._key, quality: r.quality, produced_qty: r.produced_qty, scrap_qty: r.scrap_qty };
      } else if (r.recorded === false) {  // a member with nothing recorded yet: no figures rather than 0 %
        cell.appendChild(el("span", { class: "muted", "data-note": "no-records" }, " · " + text("mon.no_records")));
        r = { _key: r._key };
      }
      row.appendChild(cell);
      [["oee", pct], ["availability", pct], ["effectiveness", pct], ["quality", pct]].forEach(function (c) {
        var td = el("td", { class: "num" + (c[0] === "oee" && r.oee != null && r.oee < 0.6 ? " low" : ""), "data-col": c[0] }, c[1](r[c[0]]));
        row.appendChild(td);
      });
      row.appendChild(el("td", { class: "num", "data-col": "produced_qty" }, num.count(r.produced_qty)));
      row.appendChild(el("td", { class: "num", "data-col": "scrap_qty" }, num.count(r.scrap_qty)));
      row.appendChild(el("td", { class: "num" }, hours(r.down_time_s)));
      body.appendChild(row);
    });
    if (!listed.length) body.appendChild(el("tr", {}, el("td", { colspan: "8", class: "empty" }, text("common.empty"))));
    var count = document.getElementById("children-shown");
    if (count) count.textContent = num.count(listed.length) + " / " + num.count(rows.length);
  }

  function trend(rows) {
    var box = document.getElementById("trend");
    var xs = rows.map(function (r) { return Date.parse(r.production_day + "T00:00:00Z") / 1000; });
    var ys = rows.map(function (r) { return r.oee == null ? null : r.oee * 100; });
    if (plot) { plot.setData([xs, ys]); return; }
    plot = new uPlot({
      width: Math.max(280, box.clientWidth), height: 220,
      // a single day (one production day chosen) gets a day either side, not an axis of years
      scales: { x: { time: true, range: function (u, lo, hi) { return lo === hi ? [lo - 86400, hi + 86400] : [lo, hi]; } },
                y: { range: [0, 100] } },
      // production days are placed at 00:00 UTC of their date: read them in UTC, whatever the browser's zone
      tzDate: days.tzDate,
      padding: days.padding,
      series: [{ label: text("mon.day"), value: days.legend },
               { label: text("mon.kpi_oee") + " (%)", stroke: "#1f6feb", width: 2, points: { show: true } }],
      axes: [{ grid: { stroke: "#e3e7ec" }, values: days.axis }, { grid: { stroke: "#e3e7ec" }, size: 50 }]
    }, [xs, ys], box);
  }

  // Output per hour (windows up to 48 h): produced as bars with the scrap part drawn over their foot.
  var hourlyPlot = null;
  function hourly(rows) {
    var panel = document.getElementById("hourly-panel");
    if (!panel) return;
    panel.hidden = !rows;
    if (!rows) { if (hourlyPlot) { hourlyPlot.destroy(); hourlyPlot = null; } return; }
    var xs = rows.map(function (r) { return Date.parse(r.start) / 1000; });
    var data = [xs, rows.map(function (r) { return r.produced_qty; }), rows.map(function (r) { return r.scrap_qty; })];
    if (hourlyPlot) { hourlyPlot.setData(data); return; }
    var box = document.getElementById("hourly");
    var bars = uPlot.paths.bars({ size: [0.7, 40] });
    hourlyPlot = new uPlot({
      width: Math.max(280, box.clientWidth), height: 200,
      scales: { x: { time: true }, y: { range: function (u, lo, hi) { return [0, Math.max(1, hi)]; } } },
      tzDate: times.tzDate,
      padding: times.padding,
      series: [{ label: text("mon.time"), value: times.legend }, { label: text("mon.produced"), fill: "#9ec5fe", stroke: "#1f6feb", paths: bars, points: { show: false } },
               { label: text("mon.scrap"), fill: "#f5a3a3", stroke: "#c62828", paths: bars, points: { show: false } }],
      // the value axis says what it counts (it was a bare scale of numbers)
      axes: [{ grid: { stroke: "#e3e7ec" }, values: times.axis, space: 90 },
             { grid: { stroke: "#e3e7ec" }, size: 50, label: text("mon.parts_per_hour"), labelSize: 20 }]
    }, data, box);
  }

  function losses(l) {
    var table = document.getElementById("losses");
    if (!table || !l) return;
    var body = table.tBodies[0];
    body.innerHTML = "";
    var total = l.planned_busy_time_s || 0;
    ["breakdowns_s", "setup_adjustment_s", "idling_minor_stops_s", "reduced_speed_s", "process_defects_s",
     "reduced_yield_s", "unrecorded_s", "fully_productive_time_s"].forEach(function (k) {
      var v = l[k] || 0;
      var width = total > 0 ? Math.round(120 * v / total) : 0;
      var tr = el("tr", { "data-loss": k });
      tr.appendChild(el("td", {}, label(k)));
      tr.appendChild(el("td", { class: "num" }, text("mon.hours_value", { h: hours(v) })));
      tr.appendChild(el("td", {}, el("span", { class: "bar " + (k === "fully_productive_time_s" ? "good" : "loss"), style: "width:" + width + "px" })));
      body.appendChild(tr);
    });
  }

  function pareto(rows) {
    var table = document.getElementById("pareto");
    if (!table) return;
    var body = table.tBodies[0];
    body.innerHTML = "";
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", {}, cfg.lang === "en" ? r.label_en : r.label_ko));
      tr.appendChild(el("td", { class: "num" }, hours(r.down_time_s)));
      tr.appendChild(el("td", { class: "num" }, num.count(r.events)));
      tr.appendChild(el("td", { class: "num" }, pct(r.share)));
      tr.appendChild(el("td", {}, el("span", { class: "bar loss", style: "width:" + Math.round(120 * r.cumulative_share) + "px" })));
      body.appendChild(tr);
    });
    if (!rows.length) body.appendChild(el("tr", {}, el("td", { colspan: "5", class: "empty" }, text("mon.no_downtime"))));
  }

  function fmtTime(iso) {
    return new Intl.DateTimeFormat("sv-SE", { timeZone: cfg.timezone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hour12: false }).format(new Date(iso));
  }

  function unexplained() {
    var table = document.getElementById("unexplained");
    if (!table) return Promise.resolve();
    return getJSON(api(cfg.companyId) + "/oee/unexplained?" + windowQuery() + "&machine_id=" + encodeURIComponent(cfg.machineId))
      .then(function (body) {
        var tb = table.tBodies[0];
        if (tb.querySelector("input:focus")) return; // do not wipe what someone is typing
        tb.innerHTML = "";
        body.rows.forEach(function (r) {
          var tr = el("tr");
          tr.appendChild(el("td", { class: "mono" }, fmtTime(r.start)));
          tr.appendChild(el("td", { class: "mono" }, fmtTime(r.end)));
          tr.appendChild(el("td", { class: "num" }, num.fixed(r.down_time_s / 60, 0)));
          var cell = el("td");
          if (cfg.canWrite) {
            var form = el("form", { class: "ack-form" });
            var input = el("input", { name: "reason", required: "required", placeholder: text("mon.reason_placeholder"), maxlength: "64", list: "reason-codes" });
            form.appendChild(input);
            form.appendChild(el("button", { type: "submit" }, text("mon.label")));
            form.addEventListener("submit", function (ev) { ev.preventDefault(); label_(r, input.value.trim(), form); });
            cell.appendChild(form);
          }
          tr.appendChild(cell);
          tb.appendChild(tr);
        });
        if (!body.rows.length) tb.appendChild(el("tr", {}, el("td", { colspan: "4", class: "empty" }, text("mon.none_unexplained"))));
      });
  }

  function label_(row, reason, form) {
    var box = document.getElementById("label-result");
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(api(cfg.companyId) + "/oee/unexplained/label", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ machine_id: row.machine_id, start: row.event_start, reason_code: reason })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        box.innerHTML = "";
        var ok = r.ok;
        box.appendChild(el("p", { class: "notice " + (ok ? "ok" : "error"), role: ok ? "status" : "alert" },
          ok ? text("mon.labelled") : say(body.error && body.error.message)));
        if (!ok) { button.disabled = false; return; }
        // The labelled row must go at once: nothing is being typed in it any more, and a refresh already under way
        // (read before the label was saved) is followed by another.
        if (form.contains(document.activeElement)) document.activeElement.blur();
        refresh(true);
      });
    }, function (err) {
      button.disabled = false;
      box.innerHTML = "";
      box.appendChild(el("p", { class: "notice error", role: "alert" }, err.message));
    });
  }

  var again = false;
  function refresh(force) {
    if (busy) { if (force) again = true; return; }
    busy = true;
    var q = windowQuery();
    var job;
    if (cfg.level === "complex") {
      job = getJSON("/api/v1/monitor/oee?" + q).then(function (d) {
        var rows = d.companies.map(function (r) { return Object.assign({ _key: r.company_id, _name: r.name }, r); });
        children(rows, function (r) { return r._name; }, function (r) { return keepRange("/companies/" + encodeURIComponent(r._key) + "/monitor"); });
        kpis(d.overall);
      });
    } else {
      var scope = "";
      if (cfg.lineId) scope += "&line_id=" + encodeURIComponent(cfg.lineId);
      if (cfg.machineId) scope += "&machine_id=" + encodeURIComponent(cfg.machineId);
      var url = api(cfg.companyId) + "/oee/dashboard?" + q + scope;
      // the table below as a file: the same rows from GET …/oee/export (per line, machine or shift)
      var by = { company: "line", line: "machine", machine: "shift" }[cfg.level];
      ["xlsx", "csv"].forEach(function (f) {
        var a = document.getElementById("oee-export-" + f);
        if (a) a.href = api(cfg.companyId) + "/oee/export?" + q + scope + "&by=" + by + "&lang=" + cfg.lang + "&format=" + f;
      });
      job = getJSON(url).then(function (d) {
        kpis(d.overall);
        notes(d.notes);
        var names = {};
        d.machines.forEach(function (m) { names[m.id] = m.name; });
        var lineNames = {};
        (cfg.lines || []).forEach(function (l) { lineNames[l.id] = l.name; });
        var base = "/companies/" + encodeURIComponent(cfg.companyId) + "/monitor";
        if (cfg.level === "company") {
          children(d.by_line.map(function (r) { return Object.assign({ _key: r.line_id }, r); }),
            function (r) { return lineNames[r.line_id] || r.line_id; },
            function (r) { return keepRange(base + "/lines/" + encodeURIComponent(r.line_id)); });
        } else if (cfg.level === "line") {
          children(d.by_machine.map(function (r) { return Object.assign({ _key: r.machine_id }, r); }),
            function (r) { return names[r.machine_id] || r.machine_id; },
            function (r) { return keepRange(base + "/machines/" + encodeURIComponent(r.machine_id)); });
        } else {
          children(d.by_shift.map(function (r) { return Object.assign({ _key: r.shift_id }, r); }),
            function (r) {
              var label = r.production_day + " " + (cfg.lang === "en" ? r.shift_label_en : r.shift_label_ko);
              // a shift the window or the records hold only in part (under way, records begun mid-shift) says so,
              // so its OEE is not read as a whole shift's
              var part = r.planned_operation_time_s, whole = r.shift_planned_s;
              if (whole && part < whole - 60) label += " " + text("mon.shift_partial", { part: (part / 3600).toFixed(1), whole: (whole / 3600).toFixed(1) });
              return label;
            }, null);
        }
        trend(d.trend);
        hourly(d.hourly);
        losses(d.losses);
        pareto(d.downtime_pareto);
        return unexplained();
      });
    }
    job.then(function () {
      status.textContent = text("mon.updated", { time: new Date().toLocaleTimeString(cfg.lang === "en" ? "en-GB" : "ko-KR", { timeZone: cfg.timezone, hour12: false }) });
      status.classList.remove("error");
      document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
    }).catch(function (err) {
      status.textContent = text("mon.error", { message: err.message });
      status.classList.add("error");
    }).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }

  function periodChanged() {
    // the rows below keep their links until the new figures arrive: they take the new period now
    document.querySelectorAll("#children a").forEach(function (a) {
      a.href = keepRange(new URL(a.href, window.location.href).pathname);
    });
    if (plot) { plot.destroy(); plot = null; }
    if (hourlyPlot) { hourlyPlot.destroy(); hourlyPlot = null; }
    refresh(true);
  }
  period.onChange(periodChanged);
  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, cfg.pollSeconds * 1000);
})();
