/* The phone's menu button and filter toggle (docs/pages.md#phone-layout): below 768 px the main navigation folds
   behind "Menu", and each list's filter form behind "Filters (n)" (n: the filters in use). Without this file the
   button stays hidden, the navigation wraps onto lines and the filters stay open. */
(function () {
  "use strict";

  function foldFilters(form) {
    var used = Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "sort" && field.type !== "hidden" && field.type !== "submit" &&
        (field.multiple ? field.selectedOptions.length > 0 : field.value !== "");
    }).length;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "filters-toggle secondary outline";
    toggle.textContent = used ? "Filters (" + used + ")" : "Filters";
    toggle.setAttribute("aria-expanded", "false");
    if (!form.id) { form.id = "filters-" + Math.random().toString(36).slice(2); }
    toggle.setAttribute("aria-controls", form.id);
    form.classList.add("foldable");
    form.parentNode.insertBefore(toggle, form);
    toggle.addEventListener("click", function () {
      var open = form.classList.toggle("unfolded");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function init() {
    document.querySelectorAll("form.filters").forEach(foldFilters);
    var button = document.getElementById("menu-toggle");
    var nav = document.getElementById("mainnav");
    if (!button || !nav) { return; }
    var bar = button.closest(".topbar");
    bar.classList.add("has-menu");
    button.hidden = false;

    function setOpen(open) {
      bar.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Close menu" : "Menu";
    }

    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bar.classList.contains("menu-open")) {
        setOpen(false);
        button.focus();
      }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
