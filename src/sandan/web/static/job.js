// A running job's page: polls the API's job endpoint, moves the progress bar, says what the job is doing (its own
// message, else "done of total" when the page gave that text, else the page's text for the state) and reloads
// into the result when the job ends. Config (#job-config): {api, lang, text: {queued, running, counted}}.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("job-config").textContent);
  var text = cfg.text || {};
  var bar = document.getElementById("progress");
  var label = document.getElementById("progress-text");

  function describe(job) {
    var p = job.progress || {};
    if (job.messages && job.messages[cfg.lang]) { return job.messages[cfg.lang]; }
    if (job.message) { return job.message; }
    if (p.total && text.counted) { return text.counted.replace("{done}", p.done).replace("{total}", p.total); }
    return text[job.state] || "";
  }

  // "about 3 min left" from the job's own estimate (progress.remaining_s), rounded as a person would say it
  function remaining(job) {
    var s = (job.progress || {}).remaining_s, w = cfg.left;
    if (s === null || s === undefined || !w) { return ""; }
    var time;
    if (s < 60) { time = w.s.replace("{n}", String(Math.max(5, Math.ceil(s / 5) * 5))); }
    else if (s < 3600) { time = w.min.replace("{n}", String(Math.ceil(s / 60))); }
    else {
      var minutes = Math.ceil(s / 60);
      time = w.h.replace("{h}", String(Math.floor(minutes / 60))).replace("{m}", String(minutes % 60));
    }
    return w.left.replace("{time}", time);
  }

  function poll() {
    fetch(cfg.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        // gone: the server restarted and no longer knows the job; the page, reloaded, says so (it polled forever)
        if (r.status === 404 || r.status === 410) { window.location.reload(); return "gone"; }
        return r.ok ? r.json() : null;
      })
      .then(function (job) {
        if (job === "gone") { return; }
        if (!job) { setTimeout(poll, 2000); return; }
        // idle: no such run any more (the server restarted under it): the page shows what is kept
        if (job.state === "done" || job.state === "failed" || job.state === "idle") { window.location.reload(); return; }
        var p = job.progress || {};
        if (p.percent !== null && p.percent !== undefined) {
          bar.classList.remove("indeterminate");
          bar.firstElementChild.style.width = p.percent + "%";
          bar.setAttribute("aria-valuenow", String(p.percent));
        }
        var left = remaining(job);
        label.textContent = describe(job) + (left ? " · " + left : "");
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 200);
})();
