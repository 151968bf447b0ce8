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

  function poll() {
    fetch(cfg.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 2000); return; }
        // idle: no such run any more (the server restarted under it): the page shows what is kept
        if (job.state === "done" || job.state === "failed" || job.state === "idle") { window.location.reload(); return; }
        var p = job.progress || {};
        if (p.percent !== null && p.percent !== undefined) {
          bar.classList.remove("indeterminate");
          bar.firstElementChild.style.width = p.percent + "%";
          bar.setAttribute("aria-valuenow", String(p.percent));
        }
        label.textContent = describe(job);
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 200);
})();
