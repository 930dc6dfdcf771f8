/* Marketplace category picker of the mapping editor (docs/channels.md#marketplace-categories). The channel's
   loaded marketplace categories come in a json_script block (#remote-categories). Each row's id input
   (input[data-remote-picker], naming its name input) gets a "Pick…" button that opens the category picker
   (static/js/category_picker.js) over the marketplace's tree: only leaves can be chosen; choosing one fills the
   id and the name (its path). A typed id that is not a loaded leaf is flagged under the input; the server warns
   again on save. */
(function () {
  "use strict";

  var byId = {};
  var categories = [];

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
    var holder = null;

    function check() {
      var value = input.value.trim();
      var found = byId[value];
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
      });
      var search = holder.querySelector("input[type=search]");
      search.setAttribute("aria-label", label);
      search.focus();
    }

    input.addEventListener("input", check);
    button.addEventListener("click", open);
    check();
  }

  function init() {
    var data = document.getElementById("remote-categories");
    if (!data || !window.CategoryPicker) { return; }
    categories = JSON.parse(data.textContent);
    categories.forEach(function (category) { byId[category.id] = category; });
    document.querySelectorAll("input[data-remote-picker]").forEach(attach);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
