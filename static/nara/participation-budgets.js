/* The ballot's live tally (progressive enhancement: without JavaScript the server checks the
   ballot). Knapsack: shows the budget left, and refuses to submit a choice over the budget.
   Approval: shows the votes left and refuses more than allowed. Messages come translated in the
   form's data-msg-* attributes and are announced through the aria-live status. */
(function () {
  "use strict";

  function setup(form) {
    var d = form.dataset;
    var knapsack = d.style === "knapsack";
    var total = Number(d.total);
    var votes = Number(d.votes);
    var status = document.getElementById("ballot-status");
    var chosenOut = document.getElementById("ballot-chosen");
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[type=checkbox][name=project]'));
    var lang = document.documentElement.lang || "ko";
    var fmt = new Intl.NumberFormat(lang === "ko" ? "ko-KR" : "en-US");

    function money(n) { return d.won.replace("__AMOUNT__", fmt.format(n)); }

    function tally() {
      var cost = 0, count = 0;
      boxes.forEach(function (b) {
        if (b.checked) { cost += Number(b.dataset.cost); count += 1; }
      });
      return { cost: cost, count: count };
    }

    function problem(t) {
      if (knapsack && t.cost > total) return d.msgOver.replace("__AMOUNT__", fmt.format(t.cost - total));
      if (!knapsack && t.count > votes) return d.msgTooMany.replace("__N__", String(t.count - votes));
      return "";
    }

    function update() {
      var t = tally();
      var issue = problem(t);
      chosenOut.textContent = knapsack ? money(t.cost) : String(t.count);
      if (issue) {
        status.textContent = issue;
        status.classList.add("over");
      } else {
        status.classList.remove("over");
        status.textContent = knapsack
          ? d.msgRemaining.replace("__AMOUNT__", money(total - t.cost))
          : d.msgVotes.replace("__N__", String(votes - t.count));
      }
      return { tally: t, issue: issue };
    }

    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "project") update();
    });
    form.addEventListener("submit", function (event) {
      var state = update();
      var issue = state.issue || (state.tally.count === 0 ? d.msgNone : "");
      if (issue) {
        event.preventDefault();
        status.textContent = issue;
        status.classList.add("over");
        status.setAttribute("tabindex", "-1");
        status.focus();
      }
    });
    update();
  }

  function init() {
    var form = document.getElementById("ballot-form");
    if (form && form.querySelector("#ballot-submit")) setup(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
