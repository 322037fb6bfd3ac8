// Private calendar page: a "Copy the link" button. Without JavaScript the link stays
// selectable in its read-only field, so nothing depends on this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector(".copy-status");
    if (!field || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = status.getAttribute("data-copied") || ""; }
      }, function () {
        field.focus();
        field.select();
      });
    });
  });
  var field = document.getElementById("feed-url");
  if (field) {
    field.addEventListener("focus", function () { field.select(); });
  }
})();
