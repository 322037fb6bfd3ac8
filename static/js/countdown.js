/* Keeps "in 3 days, 4 hours" current while the page stays open. The server wrote the first
   text; this only updates it, in the page's language. */
(function () {
  "use strict";
  var items = document.querySelectorAll("[data-countdown]");
  if (!items.length || typeof Intl === "undefined" || !Intl.NumberFormat) { return; }
  var lang = document.documentElement.lang || "en";

  function unit(name, value) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(value);
    } catch (error) {
      return null;
    }
  }

  function span(ms) {
    var minutes = Math.floor(ms / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var parts = [];
    if (days) {
      parts.push(unit("day", days));
      if (hours) { parts.push(unit("hour", hours)); }
    } else if (hours) {
      parts.push(unit("hour", hours));
      if (mins) { parts.push(unit("minute", mins)); }
    } else {
      parts.push(unit("minute", Math.max(mins, 1)));
    }
    return parts.indexOf(null) === -1 ? parts.join(", ") : null;
  }

  function update() {
    var now = Date.now();
    Array.prototype.forEach.call(items, function (item) {
      var left = Date.parse(item.getAttribute("data-countdown")) - now;
      if (isNaN(left) || left <= 0) { return; }  // passed: the server's text stays until reload
      var text = span(left);
      if (!text) { return; }
      var sentence = item.getAttribute("data-in").replace("%s", text);
      var wrapped = item.textContent.trim().charAt(0) === "(";
      item.textContent = wrapped ? "(" + sentence + ")" : sentence;
    });
  }

  update();
  window.setInterval(update, 30000);
})();
