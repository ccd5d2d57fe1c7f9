// Participation moderation: a "select all on this page" button for the bulk form.
(function () {
  "use strict";
  function init() {
    var button = document.querySelector("[data-mod-select-all]");
    if (!button) return;
    button.closest("[hidden]") && button.closest("[hidden]").removeAttribute("hidden");
    button.addEventListener("click", function () {
      var boxes = document.querySelectorAll('input[name="bulk-items"]');
      var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      Array.prototype.forEach.call(boxes, function (b) { b.checked = !all; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
