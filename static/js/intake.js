// Photo intake pages: drag-and-drop upload, live status of an item and of the list (polling a JSON endpoint,
// paused while the tab is hidden). Loaded as a file: no inline script, so it works under the strict CSP.
(function () {
  "use strict";

  // --- Upload: dropped files go into the file input, so the plain form submits them ---
  var drop = document.getElementById("intake-drop");
  var input = document.getElementById("intake-photos");
  var countLine = document.getElementById("intake-drop-count");
  function showCount() {
    if (countLine && input) { countLine.textContent = input.files.length + " photo(s) chosen (at most 20)."; }
  }
  if (drop && input && window.DataTransfer) {
    drop.addEventListener("dragover", function (event) { event.preventDefault(); drop.classList.add("dragging"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("dragging"); });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.classList.remove("dragging");
      var merged = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (file) { merged.items.add(file); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) {
        if (file.type.indexOf("image/") === 0) { merged.items.add(file); }
      });
      input.files = merged.files;
      showCount();
    });
    input.addEventListener("change", showCount);
  }

  // Colour swatches: the colour comes from a data attribute (no inline style).
  Array.prototype.forEach.call(document.querySelectorAll(".swatch[data-hex]"), function (el) {
    el.style.backgroundColor = el.dataset.hex;
  });

  function poll(url, apply, delay) {
    function tick() {
      if (document.hidden) { window.setTimeout(tick, delay); return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) { if (apply(data) !== false) { window.setTimeout(tick, delay); } })
        .catch(function () { window.setTimeout(tick, delay * 3); });
    }
    window.setTimeout(tick, delay);
  }
  function set(el, text) { if (el) { el.textContent = text; } }

  // --- Item page: status, confidence, phases and photo verdicts; reload once the item settles ---
  var live = document.getElementById("intake-live");
  if (live) {
    var known = live.dataset.status;
    poll(live.dataset.statusUrl, function (data) {
      set(document.getElementById("intake-status"), data.status_display);
      set(document.getElementById("intake-confidence"), data.confidence === null ? "-" : String(data.confidence));
      Object.keys(data.phases).forEach(function (name) {
        var row = document.querySelector('#intake-phases tr[data-phase="' + name + '"] [data-role="phase-status"]');
        set(row, data.phases[name]);
      });
      Object.keys(data.photos).forEach(function (id) {
        var fig = document.querySelector('#intake-photos figure[data-photo="' + id + '"]');
        if (!fig) { return; }
        set(fig.querySelector('[data-role="verdict"]'), data.photos[id].verdict || "checking");
        set(fig.querySelector('[data-role="reasons"]'), data.photos[id].reasons.join(", "));
      });
      if (data.status !== known) { window.location.reload(); return false; }
      return true;
    }, 1000);
  }

  // --- List page: dashboard counts and each row's status ---
  var counts = document.getElementById("intake-counts");
  if (counts) {
    poll(counts.dataset.statusUrl, function (data) {
      Object.keys(data.counts).forEach(function (key) { set(document.getElementById("intake-count-" + key), String(data.counts[key])); });
      Object.keys(data.items).forEach(function (id) {
        var row = document.querySelector('#intake-items tr[data-item="' + id + '"]');
        if (!row) { return; }
        set(row.querySelector('[data-role="status"]'), data.items[id].status_display);
        var c = data.items[id].confidence;
        set(row.querySelector('[data-role="confidence"]'), c === null ? "-" : String(c));
      });
      return true;
    }, 2000);
  }
})();
