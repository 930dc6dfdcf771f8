/* Keyboard moves in the bulk price and stock grid (docs/pages.md#bulk-price-and-stock-grid): arrow up/down and
   Enter (Shift+Enter up) move to the same column of the next row; left/right move cells when the caret is at the
   input's edge. The inputs are plain form fields: without this file the grid still saves. */
(function () {
  "use strict";

  function init(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    function cells(row) { return Array.prototype.slice.call(row.querySelectorAll("[data-cell]")); }
    function columnOf(input) {
      var td = input.closest("td");
      return Array.prototype.indexOf.call(td.parentNode.children, td);
    }
    function focusAt(rowIndex, column) {
      var td = rows[rowIndex].children[column];
      var input = td && td.querySelector("[data-cell]");
      if (input) { input.focus(); input.select(); }
      return Boolean(input);
    }
    table.addEventListener("keydown", function (event) {
      var input = event.target;
      if (!input.hasAttribute || !input.hasAttribute("data-cell")) { return; }
      var row = input.closest("tr");
      var r = rows.indexOf(row), c = columnOf(input);
      var step = 0;
      if (event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey)) { step = 1; }
      else if (event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey)) { step = -1; }
      if (step) {
        event.preventDefault();
        for (var i = r + step; i >= 0 && i < rows.length; i += step) { if (focusAt(i, c)) { return; } }
        return;
      }
      var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
      var atEnd = input.selectionStart === input.value.length;
      var list = cells(row), at = list.indexOf(input);
      if (event.key === "ArrowLeft" && atStart && at > 0) { event.preventDefault(); list[at - 1].focus(); }
      if (event.key === "ArrowRight" && atEnd && at < list.length - 1) { event.preventDefault(); list[at + 1].focus(); }
    });
    table.addEventListener("input", function (event) {
      var row = event.target.closest("tr");
      if (row) { row.classList.add("changed"); }
    });
  }

  function start() { document.querySelectorAll("[data-grid]").forEach(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
