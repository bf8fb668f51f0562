// Reveal screen: keyboard shortcuts for the projector. Progressive enhancement only:
// the "Next" and "Previous" links work without this file.
(function () {
  "use strict";
  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.assign(link.href); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "ArrowRight" || event.key === " " || event.key === "PageDown" || event.key === "Enter") {
      if (event.key === "Enter" && document.activeElement && document.activeElement.tagName === "A") { return; }
      event.preventDefault();
      follow("next");
    } else if (event.key === "ArrowLeft" || event.key === "PageUp" || event.key === "Backspace") {
      event.preventDefault();
      follow("previous");
    } else if (event.key === "f" && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  });
})();
