// Staff pages work without this file; it only adds confirmations and a busy state.
(function () {
  "use strict";
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
