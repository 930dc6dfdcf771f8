/* Marketplace category picker of the mapping editor (docs/channels.md#marketplace-categories). The channel's
   loaded marketplace categories come in a json_script block (#remote-categories). Each row's id input
   (input[data-remote-picker], naming its name input) gets a "Pick…" button that opens the category picker
   (static/js/category_picker.js) over the marketplace's tree: only leaves can be chosen; choosing one fills the
   id and the name (its path). A typed id that is not a loaded leaf is flagged under the input; the server warns
   again on save. Under a loaded leaf, "Attributes" opens its attributes as labelled fields, mandatory ones
   marked, fetched when opened from the fragment URL in #remote-categories-panel[data-attributes-url]. */
(function () {
  "use strict";

  var byId = {};
  var categories = [];
  var attributesUrl = "";

  function attach(input) {
    var nameInput = document.getElementById(input.getAttribute("data-remote-picker"));
    var label = input.getAttribute("data-label") || "Marketplace category";
    var cell = input.parentNode;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small secondary outline remote-pick";
    button.textContent = "Pick…";
    button.setAttribute("aria-label", "Pick " + label.charAt(0).toLowerCase() + label.slice(1));
    var warning = document.createElement("small");
    warning.className = "remote-warning";
    warning.setAttribute("role", "status");
    cell.appendChild(button);
    cell.appendChild(warning);
    var details = document.createElement("details");
    details.className = "remote-attributes";
    var summary = document.createElement("summary");
    summary.textContent = "Attributes";
    var fields = document.createElement("div");
    details.appendChild(summary);
    details.appendChild(fields);
    cell.appendChild(details);
    var loadedFor = null;
    var holder = null;

    function showAttributes() {
      var value = input.value.trim();
      if (!details.open || loadedFor === value) { return; }
      loadedFor = value;
      fields.textContent = "Loading…";
      fetch(attributesUrl + "?id=" + encodeURIComponent(value), { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) { if (loadedFor === value) { fields.innerHTML = html; } })
        .catch(function () { fields.textContent = "The attributes could not be loaded."; loadedFor = null; });
    }
    details.addEventListener("toggle", showAttributes);

    function check() {
      var value = input.value.trim();
      var found = byId[value];
      details.hidden = !(found && found.leaf) || !attributesUrl;
      if (details.hidden) { details.open = false; }
      if (!value || (found && found.leaf)) {
        warning.textContent = "";
      } else if (found) {
        warning.textContent = "A parent category: pick a leaf.";
      } else {
        warning.textContent = "Not in the loaded marketplace categories.";
      }
    }

    function open() {
      if (holder) {
        holder.querySelector("input[type=search]").focus();
        return;
      }
      var select = document.createElement("select");
      select.id = input.id + "_picker";
      var none = document.createElement("option");
      none.value = "";
      none.textContent = "—";
      select.appendChild(none);
      categories.forEach(function (category) {
        var option = document.createElement("option");
        option.value = category.id;
        option.textContent = category.path;
        option.setAttribute("data-name", category.name + (category.leaf ? "" : " ›"));
        option.setAttribute("data-depth", String(category.depth));
        option.disabled = !category.leaf;
        option.selected = category.id === input.value.trim();
        select.appendChild(option);
      });
      holder = document.createElement("div");
      holder.className = "remote-picker";
      cell.appendChild(holder);
      holder.appendChild(select);
      window.CategoryPicker.enhance(select);
      select.addEventListener("change", function () {
        var category = byId[select.value];
        if (!category || !category.leaf) { return; }
        input.value = category.id;
        if (nameInput) { nameInput.value = category.path; }
        check();
        showAttributes();
      });
      var search = holder.querySelector("input[type=search]");
      search.setAttribute("aria-label", label);
      search.focus();
    }

    input.addEventListener("input", function () { check(); showAttributes(); });
    button.addEventListener("click", open);
    check();
  }

  function init() {
    var data = document.getElementById("remote-categories");
    if (!data || !window.CategoryPicker) { return; }
    categories = JSON.parse(data.textContent);
    var panel = document.getElementById("remote-categories-panel");
    attributesUrl = panel ? panel.getAttribute("data-attributes-url") || "" : "";
    categories.forEach(function (category) { byId[category.id] = category; });
    document.querySelectorAll("input[data-remote-picker]").forEach(attach);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
