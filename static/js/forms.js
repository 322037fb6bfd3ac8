/* Form helpers. Every form works without them: they only move focus and hide questions that
   do not apply to the answer given. */
(function () {
  "use strict";

  // After a failed submission, put the keyboard and screen reader on the first error.
  function focusFirstError() {
    var summary = document.getElementById("error-summary");
    if (!summary) { return; }
    var first = document.querySelector("form [aria-invalid='true']");
    (first || summary).focus();
  }

  // "Phone number" only when "by phone" is chosen; interpreter only for speakers.
  function conditionalQuestions() {
    var blocks = document.querySelectorAll("[data-when-speak]");
    var radios = document.querySelectorAll("input[type='radio'][name='speak']");
    if (!blocks.length || !radios.length) { return; }
    function update() {
      var checked = document.querySelector("input[type='radio'][name='speak']:checked");
      var chosen = checked ? checked.value : "no";
      Array.prototype.forEach.call(blocks, function (block) {
        var wanted = block.getAttribute("data-when-speak").split(" ").indexOf(chosen) !== -1;
        // A question with an error message stays visible whatever is chosen.
        block.hidden = !wanted && !block.querySelector("[aria-invalid='true']");
      });
    }
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function start() {
    conditionalQuestions();
    focusFirstError();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
