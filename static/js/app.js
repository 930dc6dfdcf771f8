/* Listing Manager staff pages: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // "Select all" checkbox for a column of checkboxes named by data-check-all.
  function initCheckAll(root) {
    root.querySelectorAll("[data-check-all]").forEach(function (master) {
      var name = master.getAttribute("data-check-all");
      var form = master.form || document;
      master.addEventListener("change", function () {
        form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
          box.checked = master.checked;
        });
      });
    });
  }

  // Forms with data-confirm ask before submitting (destructive actions).
  function initConfirm(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  // Django formsets: "Add" clones the empty form template and bumps TOTAL_FORMS.
  function initFormsets(root) {
    root.querySelectorAll("[data-formset-add]").forEach(function (button) {
      var prefix = button.getAttribute("data-formset-add");
      var template = root.querySelector('template[data-formset-template="' + prefix + '"]');
      var body = root.querySelector('[data-formset="' + prefix + '"] tbody');
      var total = root.querySelector("#id_" + prefix + "-TOTAL_FORMS");
      if (!template || !body || !total) { return; }
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        body.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
        var first = body.lastElementChild && body.lastElementChild.querySelector("input:not([type=hidden])");
        if (first) { first.focus(); }
      });
    });
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function humanSize(bytes) {
    if (bytes < 1024) { return bytes + " B"; }
    if (bytes < 1048576) { return (bytes / 1024).toFixed(0) + " KB"; }
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  // Image drop zone: drag files onto the zone to add them to the file input, preview them with their pixel
  // size, and warn before upload when a file is already on the product or chosen twice (SHA-256, like the server).
  function initDropzones(root) {
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      var list = zone.querySelector("[data-upload-preview]");
      var existing = (zone.getAttribute("data-existing-hashes") || "").split(",").filter(Boolean);
      if (!input || !list) { return; }

      function render() {
        list.textContent = "";
        var seen = {};
        Array.prototype.forEach.call(input.files, function (file) {
          var item = document.createElement("li");
          var img = document.createElement("img");
          var text = document.createElement("span");
          img.alt = ""; img.width = 56; img.height = 56;
          img.addEventListener("load", function () {
            text.textContent = file.name + " · " + img.naturalWidth + "×" + img.naturalHeight + " · " + humanSize(file.size);
          });
          // A data: URL, not a blob: one: the Content-Security-Policy allows images from 'self' and data: only.
          var reader = new FileReader();
          reader.addEventListener("load", function () { img.src = reader.result; });
          reader.readAsDataURL(file);
          img.addEventListener("error", function () {
            item.classList.add("warn");
            text.textContent = file.name + " · not an image the browser can read; the server will check it";
          });
          text.textContent = file.name + " · " + humanSize(file.size);
          item.appendChild(img); item.appendChild(text);
          list.appendChild(item);
          if (!(window.crypto && window.crypto.subtle)) { return; }
          file.arrayBuffer().then(function (data) { return window.crypto.subtle.digest("SHA-256", data); })
            .then(function (digest) {
              var sum = hex(digest), warning = null;
              if (existing.indexOf(sum) !== -1) { warning = "already on this product: it will be refused"; }
              else if (seen[sum]) { warning = "same picture as " + seen[sum] + ": the second copy will be refused"; }
              seen[sum] = seen[sum] || file.name;
              if (warning) {
                var note = document.createElement("strong");
                note.className = "dup-warning";
                note.textContent = " Duplicate — " + warning + ".";
                item.classList.add("warn");
                item.appendChild(note);
              }
            });
        });
      }

      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        var transfer = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (f) { transfer.items.add(f); });
        Array.prototype.forEach.call(event.dataTransfer.files, function (f) {
          if (f.type.indexOf("image/") === 0) { transfer.items.add(f); }
        });
        input.files = transfer.files;
        render();
      });
      input.addEventListener("change", render);
    });
  }

  // Progress bars that poll a JSON endpoint: data-poll-url returns {percent, status, done, label}.
  function initPolling(root) {
    root.querySelectorAll("[data-poll-url]").forEach(function (box) {
      var url = box.getAttribute("data-poll-url");
      var bar = box.querySelector("progress");
      var label = box.querySelector("[data-poll-label]");
      var status = box.querySelector("[data-poll-status]");
      var interval = parseInt(box.getAttribute("data-poll-ms") || "1500", 10);
      function tick() {
        fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) { return; }
            if (bar) { bar.value = data.percent; bar.className = data.tone ? "progress-" + data.tone : ""; }
            if (label) { label.textContent = data.label; }
            if (status) { status.textContent = data.status_label || data.status; status.className = "badge status-" + data.status; }
            box.setAttribute("data-status", data.status);
            box.setAttribute("data-done", data.done ? "1" : "0");
            if (!data.done) { window.setTimeout(tick, interval); }
          })
          .catch(function () { window.setTimeout(tick, interval * 2); });
      }
      tick();
    });
  }

  function init() {
    initCheckAll(document);
    initConfirm(document);
    initFormsets(document);
    initDropzones(document);
    initPolling(document);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
