// Alert inbox: acknowledge with a comment through the API (who and when are recorded there), then reload; add and
// delete rules through the same API (it validates them and keeps the audit trail).
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("ack-config").textContent);
  var box = document.getElementById("ack-result");
  function say(m) { return m ? (m[cfg.lang] || m.en) : ""; }
  document.querySelectorAll("form.ack-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(cfg.api + "/" + form.dataset.alert + "/acknowledge", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ comment: form.elements.comment.value.trim() })
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(say(body.error && body.error.message) || String(r.status));
          window.location.reload();
        });
      }).catch(function (err) {
        box.innerHTML = "";
        var p = document.createElement("p");
        p.className = "notice error"; p.setAttribute("role", "alert"); p.textContent = err.message;
        box.appendChild(p);
        button.disabled = false;
      });
    });
  });

  var ruleBox = document.getElementById("rule-result");
  function fail(err, button) {
    ruleBox.innerHTML = "";
    var p = document.createElement("p");
    p.className = "notice error"; p.setAttribute("role", "alert"); p.textContent = err.message;
    ruleBox.appendChild(p);
    if (button) button.disabled = false;
  }
  // The API names a refused field by its place in the request ("body.email_to.0"); the form names it by its label,
  // and marks the input.
  var FORM_FIELD = { machine_ids: "machine", window_s: "silent_min" };
  function fieldError(error) {
    var message = say(error && error.message), field = String((error && error.where && error.where.field) || "");
    var path = field.split(".");
    if (!form || path[0] !== "body" || path.length < 2) return message;
    var name = FORM_FIELD[path[1]] || path[1];
    if (name === "threshold" && form.elements.kind.value === "oee_drop") name = "oee_target";
    var input = form.elements[name], label = input && input.closest("label");
    if (!label) return message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
    var prefix = field + ": ";
    return label.firstChild.textContent.trim() + ": " + (message.indexOf(prefix) === 0 ? message.slice(prefix.length) : message);
  }
  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      if (r.status === 204) return {};
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (!r.ok) throw new Error(fieldError(b.error) || String(r.status));
        return b;
      });
    });
  }

  var form = document.getElementById("rule-form");
  if (form) {
    var showFields = function () {
      var kind = form.elements.kind.value, chart = form.elements.chart.value;
      form.querySelectorAll("[data-kinds]").forEach(function (label) {
        label.hidden = label.dataset.kinds.split(" ").indexOf(kind) < 0 ||
          (label.dataset.charts !== undefined && label.dataset.charts.split(" ").indexOf(chart) < 0);
        // a hidden field is not this kind's: disabled, the browser's checks skip it (it used to block the send
        // with a message no one could see)
        label.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = label.hidden; });
      });
    };
    form.elements.kind.addEventListener("change", showFields);
    form.elements.chart.addEventListener("change", showFields);
    showFields();
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
      var f = form.elements, kind = f.kind.value;
      var num = function (el) { return el.value.trim() === "" ? null : Number(el.value); };
      var rule = {
        id: kind.replace(/_/g, "-") + "-" + Date.now().toString(36),
        name: f.name.value.trim(), kind: kind, severity: f.severity.value,
        machine_ids: f.machine.value ? [f.machine.value] : null,
        email_to: f.email_to.value.split(",").map(function (x) { return x.trim(); }).filter(Boolean)
      };
      if (kind === "threshold") { rule.signal = f.signal.value; rule.direction = f.direction.value; rule.threshold = num(f.threshold); }
      if (kind === "no_data") { rule.signal = f.signal.value; var m = num(f.silent_min); if (m != null) rule.window_s = m * 60; }
      if (kind === "oee_drop") { var t = num(f.oee_target); rule.threshold = t == null ? null : t / 100; }
      if (kind === "spc") {
        rule.chart = f.chart.value;
        if (["imr", "xbar_r", "xbar_s"].indexOf(rule.chart) >= 0) rule.characteristic = f.characteristic.value.trim() || null;
        // phase I as typed on the plant's clock (the quality page's and the rules list's), sent in UTC; one end
        // alone is refused by the API, named
        var clock = sandanChartTime(cfg.timezone);
        var when = function (el) { var t = clock.fromWall(el.value); return t === null ? null : new Date(t).toISOString(); };
        rule.baseline_start = when(f.baseline_start); rule.baseline_end = when(f.baseline_end);
      }
      var button = form.querySelector("button[type=submit]");
      if (!rule.name) {  // a name of spaces passes the browser's "required"
        f.name.setAttribute("aria-invalid", "true");
        f.name.focus();
        return fail(new Error(cfg.text["mon.rule_name_needed"]));
      }
      button.disabled = true;
      send("POST", cfg.api + "/rules", rule).then(function () { window.location.reload(); }, function (err) { fail(err, button); });
    });
  }
  document.querySelectorAll("button.rule-delete").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.closest("tr").querySelector("td").textContent.trim();
      if (!window.confirm(cfg.text["mon.rule_delete_confirm"].replace("{name}", name))) return;
      button.disabled = true;
      send("DELETE", cfg.api + "/rules/" + encodeURIComponent(button.dataset.rule)).then(function () { window.location.reload(); },
        function (err) { fail(err, button); });
    });
  });
})();
