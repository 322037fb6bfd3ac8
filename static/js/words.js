/* A live word counter under the testimony text. The limit is enforced by the server; this only
   tells the writer early. Words are counted as the server counts them: runs of non-spaces. */
(function () {
  "use strict";
  var counter = document.getElementById("body-counter");
  var area = document.getElementById("body");
  if (!counter || !area) { return; }
  var limit = parseInt(counter.getAttribute("data-limit"), 10);
  // US conventions in both languages ("5,000"), as the server writes numbers.
  var number = new Intl.NumberFormat((document.documentElement.lang || "en") + "-US");
  var timer = null;

  function render() {
    var text = area.value.trim();
    var count = text ? text.split(/\s+/).length : 0;
    var template = count > limit ? counter.getAttribute("data-over") : counter.getAttribute("data-words");
    counter.textContent = template
      .replace("{count}", number.format(count))
      .replace("{limit}", number.format(limit))
      .replace("{over}", number.format(count - limit));
    counter.classList.toggle("counter-over", count > limit);
  }

  area.addEventListener("input", function () {
    // Screen readers hear the count when typing pauses, not at every key.
    window.clearTimeout(timer);
    timer = window.setTimeout(render, 400);
  });
  counter.hidden = false;
  render();
})();
