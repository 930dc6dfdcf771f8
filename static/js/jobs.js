/* Job page: keep the log and the stage current while the job runs (polls the same JSON as the progress bar).
   No inline script: loaded as a file, CSP-safe. Pauses while the tab is hidden. */
(function () {
  "use strict";
  function init() {
    var box = document.querySelector("#job-progress[data-poll-url]");
    var log = document.querySelector("[data-job-log]");
    var stage = document.querySelector("[data-job-stage]");
    var stop = document.getElementById("job-stop");
    if (!box || !log) { return; }
    var url = box.getAttribute("data-poll-url");
    function tick() {
      if (document.hidden) { window.setTimeout(tick, 2000); return; }
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          log.textContent = data.log.join("\n") + "\n";
          log.scrollTop = log.scrollHeight;
          if (stage) { stage.textContent = data.stage; }
          if (data.done) { if (stop) { stop.disabled = true; } return; }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    if (box.getAttribute("data-status") === "queued" || box.getAttribute("data-status") === "running") { tick(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
