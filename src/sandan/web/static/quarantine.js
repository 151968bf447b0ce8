// Fix-and-replay and discard for one quarantined record, through the API's quarantine endpoints
// (the session cookie authenticates; the API runs the same ingestion function as the original import).
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("q-config").textContent);

  function text(key, fields) {
    var s = cfg.text[key] || key;
    Object.keys(fields || {}).forEach(function (k) { s = s.split("{" + k + "}").join(fields[k]); });
    return s;
  }

  function show(box, kind, message) {
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "notice " + kind;
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = message;
    box.appendChild(p);
  }

  function say(msg) { return msg ? (msg[cfg.lang] || msg.en) : ""; }

  function post(path, body) {
    return fetch(cfg.api + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) throw new Error(say(data.error && data.error.message) || String(resp.status));
        return data;
      });
    });
  }

  // The labelled fields and the JSON box edit the same record: each rewrites the other as the user types, and a
  // replay sends the JSON box.
  var rawBox = document.getElementById("q-raw");
  var fieldInputs = Array.prototype.slice.call(document.querySelectorAll("#q-fields input[data-path]"));

  function typed(input) {
    var v = input.value.trim();
    if (v === "") return null;
    if (input.dataset.number === "1" && isFinite(Number(v))) return Number(v);
    return v; // the checks say what is wrong with a text where a number belongs
  }

  function readRecord() {
    try {
      var record = JSON.parse(rawBox.value);
      return record && typeof record === "object" && !Array.isArray(record) ? record : null;
    } catch (err) {
      return null;
    }
  }

  fieldInputs.forEach(function (input) {
    input.addEventListener("input", function () {
      var record = readRecord();
      if (!record) return; // the JSON box holds a broken edit: leave it for the user to see
      var path = JSON.parse(input.dataset.path);
      var holder = record;
      for (var i = 0; i < path.length - 1; i++) {
        if (!holder[path[i]] || typeof holder[path[i]] !== "object") holder[path[i]] = {};
        holder = holder[path[i]];
      }
      holder[path[path.length - 1]] = typed(input);
      rawBox.value = JSON.stringify(record, null, 2);
    });
  });

  if (rawBox) rawBox.addEventListener("input", function () {
    var record = readRecord();
    if (!record) return;
    fieldInputs.forEach(function (input) {
      var value = JSON.parse(input.dataset.path).reduce(function (at, key) {
        return at && typeof at === "object" ? at[key] : undefined;
      }, record);
      input.value = value === null || value === undefined ? "" : String(value);
    });
  });

  var replayForm = document.getElementById("replay-form");
  var replayBox = document.getElementById("replay-result");
  // a whole file, an undecodable message or a refused batch has no replay form, only the discard one
  if (replayForm) replayForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var record;
    try {
      record = JSON.parse(rawBox.value);
    } catch (err) {
      show(replayBox, "error", text("q.bad_json", { error: err.message }));
      return;
    }
    if (!record || typeof record !== "object" || Array.isArray(record)) {
      show(replayBox, "error", text("q.not_object"));
      return;
    }
    var button = document.getElementById("replay");
    button.disabled = true;
    // The original import's zone is not kept with the record, so times without one take the zone shown here.
    var zone = document.getElementById("q-timezone").value.trim();
    post("/replay", { record: record, timezone: zone || null })
      .then(function (out) {
        if (out.replayed) {
          window.location.assign(cfg.back + "?done=replayed");
          return;
        }
        var reason = out.reason ? say(out.reason.message) : "";
        show(replayBox, "error", text("q.rejected_again", { reason: reason }));
        document.getElementById("q-reason").lastChild.textContent = " " + reason;
      })
      .catch(function (err) { show(replayBox, "error", err.message); })
      .then(function () { button.disabled = false; });
  });

  var discardForm = document.getElementById("discard-form");
  var discardBox = document.getElementById("discard-result");
  discardForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var comment = document.getElementById("q-comment").value.trim();
    if (!comment) {
      show(discardBox, "error", text("q.comment_required"));
      return;
    }
    post("/discard", { comment: comment })
      .then(function () { window.location.assign(cfg.back + "?done=discarded"); })
      .catch(function (err) { show(discardBox, "error", err.message); });
  });
})();
