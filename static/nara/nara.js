/* Nara: small progressive enhancements (the pages work without them). Loaded as a file:
   the Content Security Policy allows no inline script.

   Character counters: a field marked data-count gets "n of max characters" in the element
   whose id is the field's id + "_count" (the field's aria-describedby names it), from the text
   in that element's data-template ({count}, {max}). Screen readers hear the count in the
   "_count_live" region after a pause in typing, not at every key. */

/* Each part below starts once the page is parsed (the script is deferred, so that is usually
   at once). */
window.naraReady = function (start) {
  "use strict";
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
};

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

  window.naraReady(start);
})();

/* Forms that send files (data-sending): once sent, the submit button is disabled (no second
   submission while a slow phone uploads 50 MB) and a status under it says what is being sent,
   with an indeterminate progress bar, announced to screen readers (role="status"). The text
   comes from the form's data-sending ("{size}" is replaced by the files' total size) or, with
   no file chosen, data-sending-plain. Coming back to the page (the back button) makes the form
   usable again. */
(function () {
  "use strict";

  function megabytes(bytes) {
    var mb = bytes / (1024 * 1024);
    if (mb < 0.1) {
      return Math.max(1, Math.round(bytes / 1024)) + " KB";
    }
    return (mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10) + " MB";
  }

  function totalSize(form) {
    var total = 0;
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        total += file.size;
      });
    });
    return total;
  }

  function status(form) {
    var box = form.querySelector(".sending-status");
    if (!box) {
      box = document.createElement("div");
      box.className = "sending-status";
      box.setAttribute("role", "status");
      var buttons = form.querySelectorAll("button[type=submit]");
      var last = buttons[buttons.length - 1];
      (last ? last.parentNode : form).insertBefore(box, last ? last.nextSibling : null);
    }
    return box;
  }

  function sending(event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-sending")) {
      return;  // another script stopped this submission: nothing is sent
    }
    if (form.getAttribute("data-sent") === "1") {
      event.preventDefault();  // already on its way
      return;
    }
    form.setAttribute("data-sent", "1");
    var size = totalSize(form);
    var text = size ? form.getAttribute("data-sending").replace("{size}", megabytes(size))
                    : form.getAttribute("data-sending-plain") || "";
    var box = status(form);
    box.innerHTML = "<progress></progress> <span></span>";
    box.querySelector("span").textContent = text;
    // disabled after the browser has taken the form's data (a disabled button is not sent)
    window.setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = true;
        b.setAttribute("aria-disabled", "true");
      });
    }, 0);
  }

  function usableAgain() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sent]"), function (form) {
      form.removeAttribute("data-sent");
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = false;
        b.removeAttribute("aria-disabled");
      });
      var box = form.querySelector(".sending-status");
      if (box) {
        box.textContent = "";
      }
    });
  }

  function prepare() {
    // the status region exists, empty, from the start: screen readers announce a live region
    // whose text changes, not one that appears with its text
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), status);
  }

  document.addEventListener("submit", sending);
  window.addEventListener("pageshow", usableAgain);
  window.naraReady(prepare);
})();

/* The menu behind a button on a phone: without script the menu is simply shown. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function start() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  window.naraReady(start);
})();

/* "Use my location" (data-locate="<latitude field id> <longitude field id>"): the phone's
   position fills the coordinates, which are opened to show it; the status says what happened.
   Shown only where the browser can tell a position. */
(function () {
  "use strict";

  function start() {
    if (!("geolocation" in navigator)) {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-locate]"), function (button) {
      var ids = button.getAttribute("data-locate").split(" ");
      var latitude = document.getElementById(ids[0]);
      var longitude = document.getElementById(ids[1]);
      var status = button.parentNode.querySelector(".locate-status");
      if (!latitude || !longitude) {
        return;
      }
      button.parentNode.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = button.getAttribute("data-locating");
        navigator.geolocation.getCurrentPosition(function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          // as if typed: what follows the fields (the small map) sees one change, both set
          longitude.dispatchEvent(new Event("change", {bubbles: true}));
          var box = latitude.closest("details");
          if (box) {
            box.open = true;
          }
          status.textContent = button.getAttribute("data-located");
        }, function () {
          status.textContent = button.getAttribute("data-refused");
        }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
      });
    });
  }

  window.naraReady(start);
})();
