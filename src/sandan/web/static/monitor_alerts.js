// Alert inbox: acknowledge with a comment through the API (who and when are recorded there), then reload.
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
})();
