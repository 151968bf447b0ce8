// Quality page: quality table, defect Pareto and a control chart with run-rule violations marked in red.
// Figures come from the monitoring API (sandan.monitor.quality and sandan.monitor.spc); nothing is computed here.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("mon-config").textContent);
  var times = sandanChartTime(cfg.timezone);
  var fmt = sandanNumbers(cfg.lang);
  var status = document.getElementById("mon-status");
  // the period: a span up to now or one production day, kept in the address as on the OEE dashboard (period.js)
  var period = sandanPeriod(cfg, document.getElementById("mon-range"), document.getElementById("mon-day"));
  var base = "/api/v1/companies/" + encodeURIComponent(cfg.companyId);
  var plots = [];  // the location chart, then the dispersion chart (MR, R or S) of a variables chart

  function text(key, f) {
    var s = cfg.text[key] || key;
    Object.keys(f || {}).forEach(function (k) { s = s.split("{" + k + "}").join(f[k]); });
    return s;
  }
  function pct(v) { return fmt.pct(v, 2); }
  function say(m) { return m ? (m[cfg.lang] || m.en) : ""; }
  function fmtTime(iso, seconds) {
    var parts = { timeZone: cfg.timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false };
    if (seconds) { parts.second = "2-digit"; }
    return new Intl.DateTimeFormat("sv-SE", parts).format(new Date(iso));
  }
  function td(v, cls) { var e = document.createElement("td"); if (cls) e.className = cls; e.textContent = v; return e; }
  function q() { return period.query(); }
  function get(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) throw new Error(say(b.error && b.error.message)); return b; });
    });
  }
  var MAX_VIOLATIONS = 50;
  function fill(id, rows, cells, empty) {
    var body = document.querySelector("#" + id + " tbody");
    body.innerHTML = "";
    rows.forEach(function (r) { var tr = document.createElement("tr"); cells(r).forEach(function (c) { tr.appendChild(c); }); body.appendChild(tr); });
    if (!rows.length) { var tr = document.createElement("tr"); var c = td(empty || text("common.empty"), "empty"); c.colSpan = 5; tr.appendChild(c); body.appendChild(tr); }
  }

  var tablesAsked = 0;  // as for the charts: the page's first tables answering after a later period's are dropped
  function tables() {
    var mine = ++tablesAsked;
    return Promise.all([get(base + "/quality?" + q()), get(base + "/quality/pareto?" + q())]).then(function (res) {
      if (mine !== tablesAsked) return;  // (a CI run saw the 24 hours' 299 parts replace one day's 59)
      fill("quality", res[0].rows, function (r) {
        return [td(r.product || "–"), td(fmt.count(r.produced_qty), "num"), td(fmt.count(r.scrap_qty), "num"), td(pct(r.defect_rate), "num"), td(pct(r.first_pass_yield), "num")];
      });
      fill("defects", res[1].rows, function (r) {
        var bar = td(""); var s = document.createElement("span"); s.className = "bar loss"; s.style.width = Math.round(160 * r.cumulative_share) + "px"; bar.appendChild(s); bar.appendChild(document.createTextNode(" " + pct(r.cumulative_share)));
        return [td(cfg.lang === "en" ? r.label_en : r.label_ko), td(fmt.count(r.scrap_qty), "num"), td(pct(r.share), "num"), bar];
      });
    });
  }

  var pickMachine = document.getElementById("chart-machine"), phase1 = document.getElementById("chart-phase1");
  var ATTRIBUTE = ["p", "laney_p", "np", "c", "u"];
  // the charts and the capability of one machine's parts, or of all machines' together
  function machineQuery() { return pickMachine.value ? "&machine_id=" + encodeURIComponent(pickMachine.value) : ""; }
  function showKind() {
    var attribute = ATTRIBUTE.indexOf(document.getElementById("chart-kind").value) >= 0;
    // a count of scrap has no characteristic (style, not `hidden`: the form's labels are flex boxes)
    document.getElementById("chart-characteristic-label").style.display = attribute ? "none" : "";
    document.getElementById("spc-mixed").hidden = !!pickMachine.value || pickMachine.options.length <= 2;
  }
  document.getElementById("chart-kind").addEventListener("change", showKind);
  pickMachine.addEventListener("change", showKind);
  showKind();

  var chartAsked = 0;  // the latest chart asked for: an earlier answer arriving after it is dropped
  function chart() {
    var mine = ++chartAsked;
    var kind = document.getElementById("chart-kind").value;
    var url;
    if (ATTRIBUTE.indexOf(kind) >= 0) url = base + "/spc/attribute?" + q() + "&chart=" + kind + "&subgroup=h" + machineQuery();
    else url = base + "/spc/measurement?" + q() + "&chart=" + kind + "&characteristic=" + encodeURIComponent(document.getElementById("chart-characteristic").value.trim()) + machineQuery();
    // phase I: the limits from the points before this time on the plant's clock (empty: the whole period)
    var until = times.fromWall(phase1.value);
    if (until !== null) url += "&baseline_end=" + encodeURIComponent(new Date(until).toISOString());
    return get(url).then(function (c) {
      if (mine !== chartAsked) return;  // the page's first chart answering after the one the user asked for
      var xs = c.labels.map(function (l) { return Date.parse(l) / 1000; });
      var marks = c.series.map(function (ser) { return ser.values.map(function () { return null; }); });
      // one row per point and series, its rules together, the latest point first
      var rows = [], byPoint = {};
      c.series.forEach(function (ser, k) {
        ser.violations.forEach(function (v) {
          marks[k][v.index] = ser.values[v.index];
          var key = ser.name + "@" + v.index;
          if (!byPoint[key]) { byPoint[key] = { index: v.index, at: c.labels[v.index], series: seriesName(ser.name), value: ser.values[v.index], rules: [] }; rows.push(byPoint[key]); }
          byPoint[key].rules.push(v.rule + " · " + (cfg.lang === "en" ? v.en : v.ko));
        });
      });
      rows.sort(function (a, b) { return b.index - a.index || (a.series < b.series ? -1 : 1); });
      var note = document.getElementById("spc-note");
      // p′ always says its σz; a p chart says it only when the hours vary well beyond chance (Laney's σz > 1.5)
      var key = c.kind === "laney_p" ? "mon.sigma_z" : (c.kind === "p" && c.sigma_z > 1.5 ? "mon.sigma_z_p" : null);
      note.hidden = key === null;
      note.textContent = key === null ? "" : text(key, { value: c.sigma_z.toFixed(2) });
      clearPlots();
      var box = document.getElementById("spc"), second = document.getElementById("spc-dispersion");
      box.textContent = "";
      // phase I ends between its last point and the next one: a dashed line there
      var n = xs.length, b = c.baseline_points, split = b < n ? (xs[b - 1] + xs[b]) / 2 : null;
      // the value axis in the chart's terms: a share of defective parts in %, a measurement with its unit
      var share = c.kind === "p" || c.kind === "laney_p";
      var unit = ATTRIBUTE.indexOf(kind) < 0 ? (cfg.units || {})[document.getElementById("chart-characteristic").value.trim()] || "" : "";
      plots.push(draw(box, c.series[0], xs, marks[0], 260, split, share, unit));
      // a variables chart is read in pairs: the spread chart below the one of means or values, on the same times
      second.hidden = c.series.length < 2;
      if (c.series.length > 1) plots.push(draw(second, c.series[1], xs, marks[1], 160, split, false, unit));
      box.dataset.violations = String(rows.length);
      box.dataset.phase1 = String(b);
      // the latest points only: a day of individual values can break the rules thousands of times
      // points of individual parts come seconds apart: their time to the second, and each its value
      var individual = ATTRIBUTE.indexOf(kind) < 0;
      document.getElementById("spc-phase").textContent = split !== null
        ? text("mon.phase1_note", { n: fmt.count(b), time: fmtTime(c.labels[b - 1], individual), next: fmt.count(b + 1), total: fmt.count(n) })
        : text(until !== null ? "mon.phase1_all" : "mon.phase1_whole");
      fill("violations", rows.slice(0, MAX_VIOLATIONS), function (r) {
        // a share of defective parts reads as one ("3.6%"), not "0.0357143"
        var shown = c.kind === "p" || c.kind === "laney_p" ? fmt.pct(r.value, 1) : fmt.value(r.value);
        return [td(fmtTime(r.at, individual), "mono"), td(r.series), td(shown, "num"),
                td(r.rules.join("; "), "violation")];
      }, text("mon.in_control"));
      if (rows.length > MAX_VIOLATIONS) {
        var more = document.createElement("tr"), cell = td(text("mon.more_violations", { n: fmt.count(rows.length - MAX_VIOLATIONS) }), "muted");
        cell.colSpan = 4; more.dataset.more = String(rows.length - MAX_VIOLATIONS); more.appendChild(cell);
        document.querySelector("#violations tbody").appendChild(more);
      }
    }, function (e) {
      if (mine === chartAsked) throw e;  // an earlier chart's refusal says nothing of the one asked for since
    });
  }

  function seriesName(name) { return cfg.text["mon.series_" + name] || name; }
  function clearPlots() { plots.forEach(function (p) { p.destroy(); }); plots = []; }
  function draw(box, s, xs, marks, height, split, share, unit) {
    box.dataset.yUnit = share ? "%" : unit;  // what the value axis writes after its figures (canvas text)
    var axisValue = function (u, splits) {
      return splits.map(function (v) { return share ? fmt.pct(v, v !== 0 && Math.abs(v) < 0.01 ? 2 : 1) : fmt.value(v) + (unit ? " " + unit : ""); });
    };
    var u = new uPlot({
      width: Math.max(300, box.clientWidth), height: height, scales: { x: { time: true } },
      tzDate: times.tzDate,
      padding: times.padding,
      // the value axis as wide as its longest label ("40.06 mm" was cut to "0.06 mm" in a fixed 70 px)
      axes: [{ values: times.axis, space: 90 }, { values: axisValue, size: function (u, labels) {
        var longest = (labels || []).reduce(function (n, l) { return Math.max(n, String(l).length); }, 0);
        return Math.max(50, 8 * longest + 16);
      } }],
      series: [{ label: text("mon.time"), value: times.legend }, { label: seriesName(s.name), stroke: "#1f6feb", width: 1.5 }, { label: "UCL", stroke: "#c62828", dash: [6, 4] },
               { label: "CL", stroke: "#1a7f37" }, { label: "LCL", stroke: "#c62828", dash: [6, 4] },
               { label: text("mon.violation"), stroke: "transparent", points: { show: true, size: 9, fill: "#c62828", stroke: "#c62828" } }],
      hooks: { draw: [function (u) {
        if (split === null) return;
        var x = u.valToPos(split, "x", true), ctx = u.ctx;
        ctx.save(); ctx.strokeStyle = "#57606a"; ctx.setLineDash([3, 3]); ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke(); ctx.restore();
      }] }
    }, [xs, s.values, s.ucl, s.center, s.lcl, marks], box);
    // a click on a point ends phase I there: the limits come from it and the points before
    u.over.title = text("mon.phase1_help");
    u.over.addEventListener("click", function () {
      var i = u.cursor.idx;
      if (i == null) return;
      phase1.value = times.toWall(Math.floor(xs[i]) + 1);
      refresh();
    });
    return u;
  }

  // Process capability of one characteristic: the limits start from the process drawing (cfg.specs) and can be
  // typed over; every figure is the API's (sandan.monitor.spc.capability).
  var capChar = document.getElementById("cap-characteristic"), capLsl = document.getElementById("cap-lsl"),
      capUsl = document.getElementById("cap-usl"), capNote = document.getElementById("cap-spec-note");
  // the limits of the characteristic's drawing where the platform knows them, else empty (never from the data)
  // the note says whose limits these are: the company's saved ones or the process model's typical drawing
  function noteFor(source) {
    capNote.hidden = !source || source === "given";
    capNote.textContent = source === "company" ? capNote.dataset.company : capNote.dataset.process;
  }
  function specsFor(name) {
    var spec = (cfg.specs || {})[name];
    capLsl.value = spec && spec[0] != null ? spec[0] : "";
    capUsl.value = spec && spec[1] != null ? spec[1] : "";
    noteFor(spec ? (cfg.specSources || {})[name] || "process" : null);
    document.getElementById("cap-saved").hidden = true;
  }
  // a figure to `digits` decimals; one of a million or more (limits typed far from any part) in three digits
  function num(v, digits) {
    if (v == null) { return "–"; }
    var x = Number(v);
    return Math.abs(x) >= 1e6 ? x.toExponential(2) : fmt.fixed(x, digits);
  }
  var capAsked = 0;  // as for the chart: only the latest study asked for is shown
  function capability() {
    var mine = ++capAsked;
    var name = capChar.value.trim();
    var url = base + "/spc/capability?" + q() + "&characteristic=" + encodeURIComponent(name) + machineQuery();
    var spec = (cfg.specs || {})[name], typed = [capLsl.value.trim(), capUsl.value.trim()];
    var drawing = spec && typed[0] === (spec[0] == null ? "" : String(spec[0])) && typed[1] === (spec[1] == null ? "" : String(spec[1]));
    // the drawing's own limits go unsaid, so the answer says where they came from
    if (!drawing && typed[0] !== "") url += "&lsl=" + encodeURIComponent(typed[0]);
    if (!drawing && typed[1] !== "") url += "&usl=" + encodeURIComponent(typed[1]);
    var verdict = document.getElementById("cap-verdict"), summary = document.getElementById("cap-summary");
    // the intervals take seconds (a bootstrap): said at once, so the empty table does not read as an answer
    var panel = document.getElementById("capability");
    panel.setAttribute("aria-busy", "true");
    summary.textContent = text("mon.cap_computing");
    // the study asked for before is not this one's answer: its table, verdict and warnings go while this computes
    fill("cap-table", [], function () { return []; }, "…");
    document.getElementById("cap-table").classList.remove("unreliable");
    verdict.hidden = true;
    document.getElementById("cap-normal").hidden = true;
    document.getElementById("cap-nn").hidden = true;
    var done = function () { if (mine === capAsked) panel.removeAttribute("aria-busy"); };
    return get(url).then(function (c) {
      if (mine !== capAsked) return;
      done();
      var within = text("mon.cap_within"), overall = text("mon.cap_overall");
      // one limit only: Cp and Pp need both and say so; Cpk and Ppk are that limit's one-sided ratio (CPL/CPU)
      var side = c.usl == null ? "L" : c.lsl == null ? "U" : "";
      function named(index, ratio) { return side ? index + " (" + text("mon.cap_one_sided", { ratio: ratio + side }) + ")" : index; }
      fill("cap-table", [["Cp", c.cp, c.cp_ci, within], [named("Cpk", "CP"), c.cpk, c.cpk_ci, within], ["Pp", c.pp, c.pp_ci, overall],
                         [named("Ppk", "PP"), c.ppk, c.ppk_ci, overall]], function (r) {
        var interval = r[2] ? td(num(r[2][0], 2) + " – " + num(r[2][1], 2), "num") : r[1] == null && side ? td(text("mon.cap_needs_both"), "muted") : td("–", "num");
        return [td(r[0]), td(num(r[1], 2), "num"), interval, td(r[3])];
      });
      var digits = Math.max(2, 3 - Math.floor(Math.log10(Math.abs(c.mean) || 1)));
      var share = pct(c.out_of_spec / c.n), observed = fmt.count(Math.round(c.observed_ppm));
      var unit = c.unit ? " " + c.unit : "";  // the mean and σ in the characteristic's unit, where its process names one
      summary.textContent = text("mon.cap_summary", { n: fmt.count(c.n), mean: num(c.mean, digits) + unit, sw: num(c.sigma_within, digits + 1) + unit,
        so: num(c.sigma_overall, digits + 1) + unit, out: fmt.count(c.out_of_spec), share: share, observed: observed });
      // a normal model's ppm only beside data it describes: when the test rejects normality it is not shown at all
      if (c.normal !== false) summary.textContent += " " + text("mon.cap_expected", { ppm: fmt.count(Math.round(c.expected_ppm)) });
      // data the normal model does not describe are judged in the block below (a fitted distribution's Ppk, or
      // none): a Cpk verdict here would contradict it
      verdict.hidden = c.normal === false;
      verdict.className = "notice " + (c.verdict === "capable" ? "ok" : c.verdict === "marginal" ? "warn" : "error");
      verdict.dataset.verdict = c.verdict;
      verdict.textContent = text("mon.cap_" + c.verdict, { cpk: num(c.cpk, 2) });
      var normal = document.getElementById("cap-normal"), skewed = c.normal === false;
      normal.hidden = !skewed;
      // the normal model's indices stay in view, greyed, under the warning that they do not hold for these data
      document.getElementById("cap-table").classList.toggle("unreliable", skewed);
      normal.textContent = skewed ? text("mon.cap_not_normal", { p: c.normal_p < 0.001 ? "p < 0.001" : "p = " + c.normal_p.toFixed(3), share: share, observed: observed })
        + (c.machine_count > 1 ? " " + text("mon.cap_mixed", { machines: c.machine_count }) : "") : "";
      nonNormal(c, side, observed);
      noteFor(c.spec_source);
      if (c.spec_source !== "given") { capLsl.value = c.lsl == null ? "" : c.lsl; capUsl.value = c.usl == null ? "" : c.usl; }
    }, function (e) {
      if (mine !== capAsked) return;
      done();
      fill("cap-table", [], function () { return []; }, "–");
      summary.textContent = e.message;
      verdict.hidden = true;
      capNote.hidden = true;
      document.getElementById("cap-normal").hidden = true;
      document.getElementById("cap-nn").hidden = true;
    });
  }
  // Data that fail the normality test: Pp and Ppk by the percentile method from the distribution the API fitted
  // (sandan.monitor.spc.non_normal_capability), or its plain statement that none fits; nothing when they pass.
  function pValue(p) { return p < 0.001 ? "p < 0.001" : "p = " + p.toFixed(3); }
  function distName(name, params) {
    // a Box-Cox fit names its λ; one not tried (values not all positive) has none
    if (name === "box_cox" && !(params && params.lambda != null)) return text("mon.capnn_dist_box_cox_plain");
    return text("mon.capnn_dist_" + name, { lambda: params && params.lambda != null ? fmt.fixed(params.lambda, 2) : "" });
  }
  function nonNormal(c, side, observed) {
    var box = document.getElementById("cap-nn"), nn = c.non_normal;
    var fit = document.getElementById("cap-nn-fit"), ppm = document.getElementById("cap-nn-ppm");
    var verdict = document.getElementById("cap-nn-verdict"), table = document.getElementById("cap-nn-table");
    box.hidden = !nn;
    if (!nn) return;
    box.dataset.status = nn.status;
    var fitted = nn.status === "fitted";
    table.hidden = !fitted;
    verdict.hidden = !fitted;
    ppm.hidden = !fitted;
    if (!fitted) {
      // never a figure from a poor fit: what was tried and how it fared, and no index
      var tried = (nn.candidates || []).map(function (k) {
        return distName(k.distribution, k.parameters) + " " + (k.reason ? text("mon.capnn_" + k.reason) : pValue(k.fit_p));
      }).join("; ");
      fit.textContent = nn.status === "too_few" ? text("mon.capnn_too_few", { min: fmt.count(nn.min_fit_n) }) : text("mon.capnn_no_fit", { tried: tried });
      box.dataset.distribution = "";
      return;
    }
    box.dataset.distribution = nn.distribution;
    // decimals enough for three digits of the points' spread, so Pp and Ppk can be checked from them by hand
    var spread = Math.abs(nn.x_high - nn.x_low) || Math.abs(nn.x_median) || 1;
    var digits = Math.max(2, 3 - Math.floor(Math.log10(spread)));
    fit.textContent = text("mon.capnn_fitted", { dist: distName(nn.distribution, nn.parameters), a2: fmt.fixed(nn.ad_statistic, 3),
      p: pValue(nn.fit_p), low: num(nn.x_low, digits), median: num(nn.x_median, digits), high: num(nn.x_high, digits) })
      + (nn.ppk_ci ? " " + text("mon.capnn_bootstrap", { b: fmt.count(nn.bootstrap_resamples) }) : "");
    var basis = text("mon.capnn_basis");
    function named(index, ratio) { return side ? index + " (" + text("mon.cap_one_sided", { ratio: ratio + side }) + ")" : index; }
    fill("cap-nn-table", [["Pp", nn.pp, nn.pp_ci], [named("Ppk", "PP"), nn.ppk, nn.ppk_ci]], function (r) {
      var interval = r[2] ? td(num(r[2][0], 2) + " – " + num(r[2][1], 2), "num") : r[1] == null && side ? td(text("mon.cap_needs_both"), "muted") : td("–", "num");
      return [td(r[0]), td(num(r[1], 2), "num"), interval, td(basis)];
    });
    ppm.textContent = text("mon.capnn_expected", { ppm: fmt.count(Math.round(nn.expected_ppm)), observed: observed });
    verdict.className = "notice " + (nn.verdict === "capable" ? "ok" : nn.verdict === "marginal" ? "warn" : "error");
    verdict.dataset.verdict = nn.verdict;
    verdict.textContent = text("mon.capnn_" + nn.verdict, { ppk: num(nn.ppk, 2) });
  }
  capChar.addEventListener("change", function () { specsFor(capChar.value.trim()); });
  var capSave = document.getElementById("cap-save");
  if (capSave) capSave.addEventListener("click", function () {
    var name = capChar.value.trim(), lsl = capLsl.value.trim(), usl = capUsl.value.trim();
    var body = { characteristic: name, lsl: lsl === "" ? null : Number(lsl), usl: usl === "" ? null : Number(usl) };
    var saved = document.getElementById("cap-saved");
    fetch(base + "/specs", { method: "PUT", credentials: "same-origin", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(say(b.error && b.error.message)); return b; }); })
      .then(function (all) {
        cfg.specs = cfg.specs || {}; cfg.specSources = cfg.specSources || {};
        cfg.specs[name] = [all[name].lsl, all[name].usl]; cfg.specSources[name] = "company";
        saved.className = "notice ok";
        saved.textContent = text("mon.cap_saved", { name: name, lsl: lsl || "–", usl: usl || "–" });
        saved.hidden = false;
        noteFor("company");
        capability();  // the figures against the limits just saved
      }, function (e) { saved.className = "notice error"; saved.textContent = e.message; saved.hidden = false; });
  });
  document.getElementById("cap-form").addEventListener("submit", function (ev) { ev.preventDefault(); capability(); });
  specsFor(capChar.value.trim());

  function refresh() {
    // without a drawing's limits or typed ones there is nothing to compute yet: say what to type, ask nothing
    if (capChar.value.trim() && (capLsl.value.trim() || capUsl.value.trim())) capability();
    else if (capChar.value.trim()) document.getElementById("cap-summary").textContent = text("mon.cap_need_limits");
    Promise.all([tables(), chart().catch(function (e) {
      // the chart asked for cannot be drawn: say why, and leave nothing of the previous chart standing
      clearPlots();
      document.getElementById("spc-dispersion").hidden = true;
      var box = document.getElementById("spc");
      box.textContent = e.message;
      box.dataset.violations = "";
      document.getElementById("spc-note").hidden = true;
      document.getElementById("spc-phase").textContent = "";
      fill("violations", [], function () { return []; }, "–");
    })])
      .then(function () { status.textContent = text("mon.updated", { time: new Date().toLocaleTimeString(cfg.lang === "en" ? "en-GB" : "ko-KR", { timeZone: cfg.timezone, hour12: false }) }); status.classList.remove("error"); })
      .catch(function (e) { status.textContent = text("mon.error", { message: e.message }); status.classList.add("error"); });
  }
  document.getElementById("chart-form").addEventListener("submit", function (ev) { ev.preventDefault(); refresh(); });
  period.onChange(refresh);
  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, cfg.pollSeconds * 1000);
})();
