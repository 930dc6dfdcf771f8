/* "Select all N matching this filter" on lists with bulk actions (docs/pages.md#select-all-matching).
   Checking the header box shows a bar; its button sets select_all=1, and the server re-applies the list's filter.
   Unchecking any row goes back to the checked rows only. Without this file, the checked rows are sent. */
(function () {
  "use strict";

  function init(form) {
    var bar = form.querySelector("[data-select-all-bar]");
    var master = form.querySelector("[data-check-all]");
    if (!bar || !master) { return; }
    var input = bar.querySelector("[data-select-all-input]");
    var offer = bar.querySelector("[data-select-all-matching]");
    var done = bar.querySelector("[data-select-all-done]");
    var page = bar.querySelector("[data-select-all-page]");
    var clear = bar.querySelector("[data-select-all-clear]");
    var rows = form.querySelectorAll('input[type=checkbox][name="' + master.getAttribute("data-check-all") + '"]');

    function show(all) {
      input.value = all ? "1" : "";
      page.hidden = all;
      if (offer) { offer.hidden = all; }
      done.hidden = !all;
      clear.hidden = !all;
      form.classList.toggle("selecting-all", all);
    }
    function reset() {
      show(false);
      bar.hidden = !master.checked;
    }
    master.addEventListener("change", reset);
    rows.forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) { master.checked = false; reset(); }
      });
    });
    if (offer) { offer.addEventListener("click", function () { show(true); }); }
    clear.addEventListener("click", function () {
      master.checked = false;
      rows.forEach(function (box) { box.checked = false; });
      reset();
    });
    reset();
  }

  function start() { document.querySelectorAll("form").forEach(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
