// Live chart of one machine's readings: polls the JSON API and redraws with the vendored uPlot.
// Short ranges plot raw readings; longer ones plot bucket averages so a year stays a few hundred points.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("chart-config").textContent);
  var box = document.getElementById("chart");
  var status = document.getElementById("chart-status");
  var pickSignal = document.getElementById("chart-signal");
  var pickRange = document.getElementById("chart-range");
  var RAW_LIMIT_S = 3600;
  var TARGET_POINTS = 300;
  var plot = null;
  var busy = false;
  var again = false;  // a change of signal or range while a request is out: fetch once more when it is back

  function text(key, fields) {
    var s = cfg.text[key] || key;
    Object.keys(fields || {}).forEach(function (k) { s = s.split("{" + k + "}").join(fields[k]); });
    return s;
  }

  function niceBucket(seconds) {
    var steps = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    for (var i = 0; i < steps.length; i++) if (steps[i] >= seconds) return steps[i];
    return 86400 * Math.ceil(seconds / 86400);
  }

  function bucketLabel(s) {
    if (s % 86400 === 0) return text("machine.chart_days", { n: s / 86400 });
    if (s % 3600 === 0) return text("machine.chart_hours", { n: s / 3600 });
    return text("machine.chart_minutes", { n: s / 60 });
  }

  // Raw readings come as a list of rows; aggregates come column-wise (one list per column).
  function rowsOf(body) {
    if (Array.isArray(body)) return body;
    if (body.columns) {
      var c = body.columns;
      return (c.bucket || []).map(function (b, i) { return { bucket: b, signal: c.signal[i], avg: c.avg[i] }; });
    }
    return body.rows || [];
  }

  function seconds(t) {
    return typeof t === "number" ? (t > 1e11 ? t / 1000 : t) : Date.parse(t) / 1000;
  }

  function errorMessage(resp, body) {
    var m = body && (body.message || (body.detail && body.detail.message) || body.detail);
    if (m && typeof m === "object") m = m[cfg.lang] || m.en;
    return m || String(resp.status);
  }

  var times = sandanChartTime(cfg.timezone, { seconds: true });

  function size() { return { width: Math.max(280, box.clientWidth), height: 260 }; }

  function draw(xs, ys, signal) {
    var spec = cfg.signals.find(function (s) { return s.name === signal; }) || {};
    var unit = spec.unit || "";
    var data = [xs, ys];
    if (plot && plot._signal === signal) { plot.setData(data); return; }
    if (plot) plot.destroy();
    var opts = Object.assign(size(), {
      tzDate: times.tzDate,
      padding: times.padding,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [{ stroke: "#4a5563", grid: { stroke: "#e3e7ec" }, values: times.axis, space: 90 },
             { stroke: "#4a5563", grid: { stroke: "#e3e7ec" }, size: 60 }],
      series: [{ label: text("machine.chart_time"),
                  value: times.legend }, { label: (spec.label || signal) + (unit ? " (" + unit + ")" : ""), stroke: "#1f6feb", width: 1.5,
                     points: { show: xs.length < 60 } }]
    });
    plot = new uPlot(opts, data, box);
    plot._signal = signal;
  }

  function refresh() {
    var signal = pickSignal.value;
    if (!signal) return;
    if (busy) { again = true; return; }
    busy = true;
    var span = cfg.ranges[pickRange.value];
    var end = new Date(Date.now() + 60 * 1000);
    var start = new Date(end.getTime() - span * 1000);
    var base = "/api/v1/companies/" + encodeURIComponent(cfg.companyId);
    var q = "start=" + encodeURIComponent(start.toISOString()) + "&end=" + encodeURIComponent(end.toISOString()) +
            "&signal=" + encodeURIComponent(signal);
    var bucket = 0;
    var url;
    if (span <= RAW_LIMIT_S) {
      url = base + "/machines/" + encodeURIComponent(cfg.machineId) + "/readings?" + q + "&limit=20000";
    } else {
      bucket = niceBucket(span / TARGET_POINTS);
      url = base + "/readings/aggregate?" + q + "&bucket_s=" + bucket + "&machine_id=" + encodeURIComponent(cfg.machineId);
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (body) {
          if (!resp.ok) throw new Error(errorMessage(resp, body));
          return rowsOf(body);
        });
      })
      .then(function (rows) {
        rows = rows.filter(function (r) { return !r.signal || r.signal === signal; });
        var xs = [], ys = [];
        rows.forEach(function (r) {
          xs.push(seconds(r.bucket !== undefined ? r.bucket : r.time));
          ys.push(r.avg !== undefined ? r.avg : r.value);
        });
        draw(xs, ys, signal);
        box.dataset.points = String(xs.length);
        var now = new Date().toLocaleTimeString(cfg.lang === "en" ? "en-GB" : "ko-KR", { timeZone: cfg.timezone, hour12: false });
        var parts = [xs.length ? text("machine.chart_points", { count: sandanNumbers(cfg.lang).count(xs.length) }) : text("machine.chart_empty")];
        if (bucket) parts.push(text("machine.chart_avg", { bucket: bucketLabel(bucket) }));
        parts.push(text("machine.chart_updated", { time: now }));
        status.textContent = parts.join(" · ");
        status.classList.remove("error");
      })
      .catch(function (err) {
        status.textContent = text("machine.chart_error", { message: err.message });
        status.classList.add("error");
      })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  if (!cfg.signals.length) return;
  pickSignal.addEventListener("change", refresh);
  pickRange.addEventListener("change", refresh);
  window.addEventListener("resize", function () { if (plot) plot.setSize(size()); });
  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, cfg.pollSeconds * 1000);
})();
