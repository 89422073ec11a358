// docgen 督办事项调阅：查找和筛选事项表（不联网，不依赖任何库）。
(function () {
  "use strict";
  var table = document.getElementById("items");
  if (!table) { return; }
  var q = document.getElementById("q");
  var unit = document.getElementById("unit");
  var state = document.getElementById("state");
  var shown = document.getElementById("shown");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function apply() {
    var text = q ? q.value.trim() : "";
    var u = unit ? unit.value : "";
    var s = state ? state.value : "";
    var n = 0;
    rows.forEach(function (tr) {
      var ok = (!text || tr.textContent.indexOf(text) >= 0) &&
               (!u || ("|" + tr.getAttribute("data-unit") + "|").indexOf("|" + u + "|") >= 0) &&
               (!s || tr.getAttribute("data-state") === s);
      tr.className = tr.className.replace(/\s*hidden/g, "") + (ok ? "" : " hidden");
      if (ok) { n += 1; }
    });
    if (shown) { shown.textContent = "显示 " + n + " / " + rows.length + " 项"; }
  }
  [q, unit, state].forEach(function (el) {
    if (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); }
  });
  apply();
})();
