// Learn pages: start training and catalogue jobs through the API, show their progress, change stages.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("learn-config").textContent);
  const tx = cfg.text;
  const status = document.getElementById("learn-status") || document.getElementById("train-status");

  function say(el, text) { if (el) { el.textContent = text; } }

  async function call(method, path, body) {
    const r = await fetch(cfg.api + path, {
      method, headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) { throw new Error((data.error && data.error.message[cfg.lang]) || r.statusText); }
    return data;
  }

  async function follow(job, bar, where) {
    if (bar) { bar.hidden = false; bar.value = 0; }
    for (;;) {
      const j = await call("GET", "/jobs/" + job.id);
      if (bar && j.progress.percent !== null) { bar.value = j.progress.percent; }
      say(where, (j.messages && j.messages[cfg.lang]) || j.message || tx.working);
      if (j.state === "done") { say(where, tx.done); location.reload(); return; }
      if (j.state === "failed") { say(where, tx.failed + ": " + j.error.message[cfg.lang]); return; }
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  }

  const form = document.getElementById("train-form");
  if (form) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const end = new Date();
      const start = new Date(end.getTime() - Number(f.get("days")) * 86400000);
      const where = document.getElementById("train-status");
      try {
        const job = await call("POST", "/models/train", {
          name: f.get("name"), budget_s: Number(f.get("budget_s")),
          start: start.toISOString(), end: end.toISOString(),
        });
        await follow(job, document.getElementById("train-progress"), where);
      } catch (e) { say(where, e.message); }
    });
  }

  document.querySelectorAll("button[data-action]").forEach((b) => {
    b.addEventListener("click", async () => {
      const row = b.closest("tr");
      const action = b.dataset.action;
      say(status, tx.working);
      try {
        if (action === "stage") {
          await call("POST", "/models/stage", { name: row.dataset.name, version: Number(row.dataset.version), stage: b.dataset.stage });
          location.reload();
        } else if (action === "publish") {
          const named = row.querySelector("input[data-named]");
          await call("POST", "/catalogue/publish", { name: row.dataset.name, version: Number(row.dataset.version), name_publisher: !!(named && named.checked) });
          location.reload();  // the row now names its catalogue entry instead of offering to publish
        } else if (action === "evaluate") {
          const job = await call("POST", "/catalogue/evaluate", { entry_id: Number(row.dataset.entry) });
          await follow(job, document.getElementById("learn-progress"), status);
        } else if (action === "fine-tune") {
          const job = await call("POST", "/catalogue/fine-tune", { entry_id: Number(row.dataset.entry) });
          await follow(job, document.getElementById("learn-progress"), status);
        } else if (action === "adopt") {
          await call("POST", "/catalogue/adopt", { entry_id: Number(row.dataset.entry) });
          location.reload();  // the row now says it was adopted
        }
      } catch (e) { say(status, e.message); }
    });
  });
})();
