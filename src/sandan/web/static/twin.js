// Twin pages: the editor remembers which side (form or YAML) was edited last; a job page follows its job.
(function () {
  "use strict";
  var source = document.getElementById("twin-source");
  if (source) {
    document.getElementById("twin-form").addEventListener("input", function () { source.value = "form"; });
    document.getElementById("twin-yaml").addEventListener("input", function () { source.value = "yaml"; });
  }
  var config = document.getElementById("twin-job-config");
  if (!config) { return; }
  var cfg = JSON.parse(config.textContent);
  var bar = document.getElementById("progress");
  var label = document.getElementById("progress-text");

  function poll() {
    fetch(cfg.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 2000); return; }
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        var p = job.progress || {};
        if (p.percent !== null && p.percent !== undefined) {
          bar.classList.remove("indeterminate");
          bar.firstElementChild.style.width = p.percent + "%";
          bar.setAttribute("aria-valuenow", String(p.percent));
        }
        label.textContent = job.message || cfg.text["twin.state_" + job.state] || "";
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 200);
})();
