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
    if (!r.ok) {
      const err = new Error((data.error && data.error.message[cfg.lang]) || r.statusText);
      err.where = (data.error && data.error.where) || {};
      throw err;
    }
    return data;
  }

  function fill(text, values) {
    return Object.keys(values).reduce((t, k) => t.split("{" + k + "}").join(values[k]), text);
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
    const where = document.getElementById("train-status");
    // the form's fields by the request's ("body.budget_s"); start and end come from the days
    const FIELD = { name: "name", budget_s: "budget_s", start: "days", end: "days" };
    const labelOf = (input) => input.closest("label").firstChild.textContent.trim();
    const mark = (input) => { input.setAttribute("aria-invalid", "true"); };
    // The fields are checked here, before anything is sent, in the page's words — the browser's own bubbles speak
    // its language, not the page's, and the API's name the request ("body.budget_s: Input should be greater than
    // 0"). The same words are each field's custom validity, so the browser's check shows them too.
    const name = form.elements.name;
    const rule = new RegExp("^(?:" + name.getAttribute("pattern") + ")$", "u");
    function problemOf(input) {
      const text = input.value.trim();
      if (text === "") { return fill(tx["invalid.required"], { field: labelOf(input) }); }
      if (input === name) {
        return rule.test(text) && text.indexOf("..") < 0 ? "" : fill(tx["invalid.name"], { field: labelOf(input), rule: tx.name_rule });
      }
      const value = Number(text);
      return Number.isFinite(value) && value >= Number(input.min) && value <= Number(input.max)
        ? "" : fill(tx["invalid.range"], { field: labelOf(input), min: input.min, max: input.max });
    }
    const checked = [name, form.elements.days, form.elements.budget_s];
    checked.forEach((input) => {
      const check = () => {
        input.setCustomValidity(problemOf(input));
        if (input.validity.valid) { input.removeAttribute("aria-invalid"); }
      };
      input.addEventListener("input", check);
      input.addEventListener("invalid", () => mark(input));
      check();
    });
    function problems() {
      return checked.map((input) => [input, problemOf(input)]).filter(([, text]) => text);
    }
    // What the API still refuses, named by the form's label instead of the request's place
    function refused(e) {
      const errors = (e.where && e.where.errors) || [];
      const listed = errors.length ? errors : [{ field: e.where && e.where.field, message: null }];
      const lines = [];
      listed.forEach((err) => {
        const path = String(err.field || "").split(".");
        const key = FIELD[path[0] === "body" ? path[1] : path[0]];
        const input = key && form.elements[key];
        const message = err.message ? err.message[cfg.lang] || err.message.en : e.message;
        if (!input) { lines.push(message); return; }
        mark(input);
        const prefix = err.field + ": ";
        lines.push(labelOf(input) + ": " + (message.indexOf(prefix) === 0 ? message.slice(prefix.length) : message));
      });
      return lines.join(" · ");
    }
    // a training that was running when the page was (re)loaded: its progress again, then the new version
    if ((cfg.running || []).length) {
      const job = cfg.running[0];
      say(where, fill(tx.following, { name: job.label }));
      follow(job, document.getElementById("train-progress"), where).catch((e) => say(where, e.message));
    }
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
      const wrong = problems();
      if (wrong.length) {
        wrong.forEach(([input]) => mark(input));
        wrong[0][0].focus();
        say(where, wrong.map(([, text]) => text).join(" · "));
        return;
      }
      const f = new FormData(form);
      const end = new Date();
      const start = new Date(end.getTime() - Number(f.get("days")) * 86400000);
      try {
        const job = await call("POST", "/models/train", {
          name: f.get("name").trim(), budget_s: Number(f.get("budget_s")),
          start: start.toISOString(), end: end.toISOString(),
        });
        await follow(job, document.getElementById("train-progress"), where);
      } catch (e) { say(where, refused(e)); }
    });
  }

  document.querySelectorAll("button[data-action]").forEach((b) => {
    b.addEventListener("click", async () => {
      const row = b.closest("tr");
      const action = b.dataset.action;
      // a model that found none of the company's defects on its data is adopted only when asked twice
      if (action === "adopt" && row.querySelector("[data-finds-none]") && !window.confirm(tx["adopt.confirm_none"])) {
        return;
      }
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
