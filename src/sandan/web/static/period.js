// The period a monitoring page shows: a span up to now (cfg.ranges, in seconds) or one production day (cfg.days,
// each with its span on the plant's clock). It lives in the address (?range=7d, or ?range=day&day=2026-12-03), so
// a reload, a shared link, the language switch and a drill-down keep it. Used by the OEE dashboard and the quality
// page; the figures come from the API for the window `query()` gives.
function sandanPeriod(cfg, pickRange, pickDay) {
  "use strict";
  var dayByKey = {};
  (cfg.days || []).forEach(function (d) { dayByKey[d.key] = d; });
  var params = new URLSearchParams(window.location.search);
  var asked = params.get("range");
  if (asked && (Object.prototype.hasOwnProperty.call(cfg.ranges, asked) || (asked === "day" && pickDay))) pickRange.value = asked;
  if (pickDay && dayByKey[params.get("day")]) pickDay.value = params.get("day");
  function showDay() {
    var label = document.getElementById("mon-day-label");
    if (label) label.hidden = pickRange.value !== "day";
  }
  showDay();
  // the period's part of an address ("" for the first, default span)
  function address() {
    if (pickRange.value === Object.keys(cfg.ranges)[0]) return "";
    return "?range=" + encodeURIComponent(pickRange.value) + (pickRange.value === "day" ? "&day=" + encodeURIComponent(pickDay.value) : "");
  }
  // start=…&end=… of the window, up to now
  function query() {
    if (pickRange.value === "day" && pickDay && dayByKey[pickDay.value]) {  // one production day, as the daily report counts it
      var d = dayByKey[pickDay.value];
      var until = new Date(Math.min(Date.parse(d.end), Date.now() + 60000));
      return "start=" + encodeURIComponent(d.start) + "&end=" + encodeURIComponent(until.toISOString());
    }
    var end = new Date();
    var start = new Date(end.getTime() - cfg.ranges[pickRange.value] * 1000);
    return "start=" + encodeURIComponent(start.toISOString()) + "&end=" + encodeURIComponent(end.toISOString());
  }
  // after a change: the address and the language switch take the new period
  function remember() {
    showDay();
    var url = new URL(window.location.href);
    url.searchParams.set("range", pickRange.value);
    if (pickRange.value === "day") url.searchParams.set("day", pickDay.value); else url.searchParams.delete("day");
    window.history.replaceState(null, "", url);
    document.querySelectorAll("a[hreflang]").forEach(function (a) {
      var other = new URL(a.href, window.location.href);
      var next = other.searchParams.get("next");
      if (next !== null) { other.searchParams.set("next", url.pathname + url.search); a.href = other.toString(); }
    });
  }
  function onChange(handler) {
    function changed() { remember(); handler(); }
    pickRange.addEventListener("change", changed);
    if (pickDay) pickDay.addEventListener("change", changed);
  }
  return { query: query, address: address, keep: function (href) { return href + address(); }, onChange: onChange };
}
