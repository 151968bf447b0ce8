// Numbers as every page shows them, one formatter per language and whatever the browser's locale: counts with
// thousands separators ("9,592"; Korean groups the same way), figures to fixed decimals ("1,234.5") and shares as
// "79.0%" (no space before the sign), as the server-drawn pages write them (the `num` and `pct` filters in
// web/shell.py; a missing figure is "–" here and "—" there).
window.sandanNumbers = function (lang) {
  var locale = lang === "en" ? "en-GB" : "ko-KR";
  var fixedBy = {};
  var significant = new Intl.NumberFormat(locale, { maximumSignificantDigits: 6 });
  function none(v) { return v == null || (typeof v === "number" && !isFinite(v)); }
  function fixed(v, digits) {
    if (none(v)) return "–";
    digits = digits || 0;
    if (!fixedBy[digits]) {
      fixedBy[digits] = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    }
    var s = fixedBy[digits].format(v);
    return /^-[0.,]*$/.test(s) ? s.slice(1) : s;  // never "-0.0"
  }
  return {
    count: function (n) { return fixed(n, 0); },
    fixed: fixed,
    // a measured value as read: up to six significant digits, grouped
    value: function (v) { return none(v) ? "–" : significant.format(v); },
    pct: function (share, digits) { return none(share) ? "–" : fixed(share * 100, digits == null ? 1 : digits) + "%"; }
  };
};
