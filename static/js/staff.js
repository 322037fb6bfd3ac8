// Staff pages work without this file; it adds confirmations, a busy state, opens the menu
// on wide screens and says when a table scrolls sideways.
(function () {
  "use strict";
  // The staff menu is a <details>: closed on a phone so the page starts in the first screen,
  // open on a wide screen where it fits beside nothing else.
  var menu = document.getElementById("staff-menu");
  if (menu && window.matchMedia("(min-width: 48rem)").matches) {
    menu.open = true;
  }

  // A table wider than the screen scrolls in its own focusable region; say so above it.
  var page = document.querySelector(".staff-page[data-scroll-hint]");
  function markScrolling() {
    document.querySelectorAll(".table-scroll").forEach(function (region) {
      var hint = region.previousElementSibling;
      var has = hint && hint.classList.contains("scroll-hint");
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      region.classList.toggle("is-scrolling", scrolls);
      if (scrolls && !has && page) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = page.getAttribute("data-scroll-hint");
        region.parentNode.insertBefore(hint, region);
      } else if (!scrolls && has) {
        hint.remove();
      }
    });
  }
  markScrolling();
  window.addEventListener("resize", markScrolling);

  // Forms marked data-confirm ask before destructive actions (delete, close, archive).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Long actions (saving an import): say so, and stop a second press.
    var busy = form.getAttribute("data-progress");
    var button = event.submitter;
    if (busy && button && button.value === "confirm") {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = button.name;
      hidden.value = button.value;
      form.appendChild(hidden);
      var note = document.createElement("p");
      note.setAttribute("role", "status");
      note.textContent = busy;
      form.appendChild(note);
    }
  });
})();
