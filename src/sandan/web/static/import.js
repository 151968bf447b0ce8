// Import progress: polls the API's job endpoint, moves the bar, and reloads into the receipt when the job ends.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("job-config").textContent);
  var bar = document.getElementById("progress");
  var label = document.getElementById("progress-text");

  function poll() {
    fetch(cfg.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 2000); return; }
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        var p = job.progress || {};
        if (p.percent !== null && p.percent !== undefined) {
          bar.classList.remove("indeterminate");
          bar.firstElementChild.style.width = p.percent + "%";
          bar.setAttribute("aria-valuenow", String(p.percent));
        }
        if (p.total) {
          label.textContent = cfg.text["import.progress_rows"].replace("{done}", p.done).replace("{total}", p.total);
        } else {
          label.textContent = cfg.text[job.state === "queued" ? "import.queued" : "import.progress"];
        }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
