// Chart times in the plant's zone, 24-hour and in ISO order (2026-12-03 14:00), the same in both languages and
// whatever the browser's locale; uPlot's own defaults are US-style ("12am 12/3/26") in the browser's zone.
// The pieces are put together here: locales disagree on the order of a month and a day on their own.
window.sandanChartTime = function (timezone, opts) {
  opts = opts || {};
  var parts = new Intl.DateTimeFormat("en-US", { timeZone: timezone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  function pieces(ts) {
    var p = {};
    parts.formatToParts(new Date(ts * 1000)).forEach(function (x) { p[x.type] = x.value; });
    return p;
  }
  function day(p) { return p.month + "-" + p.day; }
  function clock(p) { return p.hour + ":" + p.minute; }
  return {
    // room right of the plot for half the last time label ("12-03 14:00" is centred on its tick); uPlot's own
    // is half the axis height and cut that label off
    padding: [null, 44, null, null],
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), timezone); },
    // ticks: the day over spans of more than two days (once per day); otherwise the clock, with the day where it
    // changes
    axis: function (u, splits) {
      var byDay = opts.days || u.scales.x.max - u.scales.x.min > 2 * 86400;
      var last = null;
      return splits.map(function (ts) {
        var p = pieces(ts), date = day(p);
        if (byDay) {  // a day is named once, however many ticks uPlot puts inside it
          var named = last === date ? "" : date;
          last = date;
          return named;
        }
        var label = last === date ? clock(p) : date + " " + clock(p);
        last = date;
        return label;
      });
    },
    // a time typed on the plant's clock (a datetime-local field: "2026-12-03T14:05[:30]") as an instant in ms, and
    // an instant (s) as such a field's value; the zone's offset is found by reading a guess back on the plant's clock
    fromWall: function (text) {
      var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(text || "");
      if (!m) return null;
      var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)), t = wall;
      for (var i = 0; i < 2; i++) {  // twice: a guess on the other side of a daylight-saving change
        var p = pieces(t / 1000);
        t = wall - (Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - t);
      }
      return t;
    },
    toWall: function (ts) {
      var p = pieces(ts);
      return p.year + "-" + day(p) + "T" + clock(p) + ":" + p.second;
    },
    legend: function (u, v) {
      if (v == null) return "--";
      var p = pieces(v), date = p.year + "-" + day(p);
      return opts.days ? date : date + " " + clock(p) + (opts.seconds ? ":" + p.second : "");
    }
  };
};
