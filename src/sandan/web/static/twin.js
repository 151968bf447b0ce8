// Twin line editor: remembers which side (form or YAML) was edited last. (A job's page follows it with job.js.)
(function () {
  "use strict";
  var source = document.getElementById("twin-source");
  if (!source) { return; }
  document.getElementById("twin-form").addEventListener("input", function () { source.value = "form"; });
  document.getElementById("twin-yaml").addEventListener("input", function () { source.value = "yaml"; });
})();
