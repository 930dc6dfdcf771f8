/* Inline progress of the jobs a page just started (docs/pages.md#publish-progress). app.js polls each job box
   and sets its data-done; while any runs, the buttons marked data-job-button stay disabled; once all are done,
   the regions marked data-live-refresh are fetched again, so statuses change without a reload. */
(function () {
  "use strict";

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-refresh][id]").forEach(function (region) {
          var next = fresh.getElementById(region.id);
          if (next) { region.replaceWith(document.importNode(next, true)); }
        });
        document.querySelectorAll("[data-job-button]").forEach(function (b) { b.disabled = false; });
      });
  }

  function init(section) {
    var boxes = section.querySelectorAll("[data-poll-url]");
    var finished = false;
    function check() {
      var running = Array.prototype.some.call(boxes, function (b) { return b.getAttribute("data-done") !== "1"; });
      document.querySelectorAll("[data-job-button]").forEach(function (b) { b.disabled = running; });
      if (!running && !finished) { finished = true; section.setAttribute("data-finished", "1"); refresh(); }
    }
    var observer = new MutationObserver(check);
    boxes.forEach(function (b) { observer.observe(b, { attributes: true, attributeFilter: ["data-done"] }); });
    check();
  }

  function start() { document.querySelectorAll("[data-job-watch]").forEach(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
