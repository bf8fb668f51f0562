// Countdown to a deadline (progressive enhancement: the page already shows the time left).
// <span class="countdown" data-deadline="ISO 8601" data-now="ISO 8601 (server time)"
//       data-format="{d} d {h} h {m} min {s} s" data-closed="Closed.">
(function () {
  "use strict";
  var nodes = Array.prototype.slice.call(document.querySelectorAll(".countdown[data-deadline]"));
  if (!nodes.length) { return; }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  nodes.forEach(function (el) {
    // The server's clock decides; correct for a device clock that is off.
    var serverNow = Date.parse(el.getAttribute("data-now") || "");
    el._offset = isNaN(serverNow) ? 0 : serverNow - Date.now();
  });

  function tick() {
    nodes.forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(end)) { return; }
      var left = Math.floor((end - (Date.now() + el._offset)) / 1000);
      if (left < 0) {
        el.textContent = el.getAttribute("data-closed") || "";
        return;
      }
      var d = Math.floor(left / 86400);
      var h = Math.floor((left % 86400) / 3600);
      var m = Math.floor((left % 3600) / 60);
      var s = left % 60;
      el.textContent = (el.getAttribute("data-format") || "{d} d {h} h {m} min {s} s")
        .replace("{d}", String(d)).replace("{h}", String(h)).replace("{m}", pad(m)).replace("{s}", pad(s));
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
