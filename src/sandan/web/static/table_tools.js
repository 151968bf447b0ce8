// Find, filter and sort a long table in the page (the operator's list of a hundred members).
// - an <input type="search" data-filter-for="T"> keeps the rows of table #T whose text holds every typed word;
// - a <select data-filter-for="T" data-filter-key="K"> keeps the rows whose data-K equals the chosen value;
// - a checkbox with data-filter-for="T" data-filter-key="K" keeps the rows whose data-K equals its value when ticked;
// - a click on a <th data-sort="text|number"> of a table.sortable sorts by that column (again: the other way);
//   a cell's data-value, when it has one, is what it sorts by.
// #T-shown says how many rows are shown.
(function () {
  "use strict";

  function rowsOf(table) {
    return Array.prototype.slice.call(table.tBodies[0].rows);
  }

  function apply(table) {
    var controls = document.querySelectorAll('[data-filter-for="' + table.id + '"]');
    var shown = 0;
    rowsOf(table).forEach(function (row) {
      var keep = true;
      controls.forEach(function (c) {
        if (c.type === "search") {
          var words = c.value.toLowerCase().split(/\s+/).filter(Boolean);
          var text = row.textContent.toLowerCase();
          keep = keep && words.every(function (w) { return text.indexOf(w) >= 0; });
        } else if (c.type === "checkbox") {
          keep = keep && (!c.checked || row.dataset[c.dataset.filterKey] === c.value);
        } else if (c.value) {
          keep = keep && row.dataset[c.dataset.filterKey] === c.value;
        }
      });
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    var count = document.getElementById(table.id + "-shown");
    if (count) count.textContent = shown + " / " + rowsOf(table).length;
  }

  function sortBy(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.dataset.sort === "number";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("th[data-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = rowsOf(table);
    rows.sort(function (a, b) {
      var x = a.cells[index], y = b.cells[index];
      var vx = x.dataset.value !== undefined ? x.dataset.value : x.textContent.trim();
      var vy = y.dataset.value !== undefined ? y.dataset.value : y.textContent.trim();
      if (numeric) return dir * ((parseFloat(vx) || 0) - (parseFloat(vy) || 0));
      return dir * vx.localeCompare(vy, document.documentElement.lang || undefined);
    });
    rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
  }

  document.querySelectorAll("table[id]").forEach(function (table) {
    var controls = document.querySelectorAll('[data-filter-for="' + table.id + '"]');
    controls.forEach(function (c) {
      c.addEventListener(c.type === "search" ? "input" : "change", function () { apply(table); });
    });
    if (controls.length) apply(table);
    if (table.classList.contains("sortable")) {
      table.querySelectorAll("th[data-sort]").forEach(function (th) {
        th.tabIndex = 0;
        th.style.cursor = "pointer";
        th.addEventListener("click", function () { sortBy(table, th); });
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(table, th); });
      });
    }
  });
})();
