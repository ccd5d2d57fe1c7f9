/* Nara: small progressive enhancements (the pages work without them). Loaded as a file:
   the Content Security Policy allows no inline script.

   Character counters: a field marked data-count gets "n of max characters" in the element
   whose id is the field's id + "_count" (the field's aria-describedby names it), from the text
   in that element's data-template ({count}, {max}). Screen readers hear the count in the
   "_count_live" region after a pause in typing, not at every key. */
(function () {
  "use strict";

  function length(text) {
    return Array.from(text.replace(/\r\n/g, "\n")).length;  // characters, as the server counts
  }

  function setUp(field) {
    var counter = document.getElementById(field.id + "_count");
    var live = document.getElementById(field.id + "_count_live");
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!counter || !max) {
      return;
    }
    var template = counter.getAttribute("data-template") || "{count} / {max}";
    var timer = null;

    function update(announce) {
      var n = length(field.value);
      counter.textContent = template.replace("{count}", n).replace("{max}", max);
      counter.classList.toggle("char-count-full", n >= max);
      if (announce && live) {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          live.textContent = counter.textContent;
        }, 1200);
      }
    }

    field.addEventListener("input", function () {
      update(true);
    });
    update(false);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-count]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
