// Polls the import status while a dry run or commit runs and updates the progress section in place.
// Loaded as a file (no inline script), so it works under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  "use strict";
  var section = document.getElementById("import-progress");
  if (!section || section.dataset.running !== "1") { return; }
  var url = section.dataset.statusUrl;
  var number = new Intl.NumberFormat();
  function set(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        document.getElementById("import-progress-bar").value = data.percent;
        set("import-status", data.status_display);
        set("import-percent", String(data.percent));
        set("import-processed", number.format(data.processed));
        set("import-total", number.format(data.total));
        set("import-rate", number.format(data.rows_per_second));
        set("import-count-create", number.format(data.created));
        set("import-count-update", number.format(data.updated));
        set("import-count-unchanged", number.format(data.unchanged));
        set("import-count-error", number.format(data.errors));
        section.dataset.status = data.status;
        if (data.is_running) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload(); // finished: show the preview or the summary with its buttons
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
