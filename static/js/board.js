/* Drag and drop on the board (docs/workflow.md#board): each column's card list is a SortableJS list in one shared
   group; dropping a card posts its stage and position to the card's move URL (the same view as the card's
   "Move…" form) and refreshes the column counts and WIP highlights from the answer. If the server refuses,
   the page reloads to show the stored order. Without this file the move forms do the same with a page load. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("#board input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function refreshCounts(stages) {
    Object.keys(stages).forEach(function (id) {
      var column = document.querySelector('[data-stage-column="' + id + '"]');
      if (!column) { return; }
      var info = stages[id];
      var count = column.querySelector("[data-count]");
      if (count) { count.textContent = info.count + (info.wip_limit === null ? "" : " / " + info.wip_limit); }
      column.classList.toggle("over-wip", info.over_wip);
      var flag = column.querySelector("[data-wip-flag]");
      if (flag) { flag.hidden = !info.over_wip; }
    });
  }

  function syncMoveForm(card, stage, position) {
    var select = card.querySelector(".move-form select[name=stage]");
    var input = card.querySelector(".move-form input[name=position]");
    if (select) { select.value = stage; }
    if (input) { input.value = position; }
  }

  function onEnd(event) {
    if (event.from === event.to && event.oldDraggableIndex === event.newDraggableIndex) { return; }
    var card = event.item;
    var stage = event.to.getAttribute("data-stage");
    var position = event.newDraggableIndex;
    var body = new FormData();
    body.set("csrfmiddlewaretoken", csrfToken());
    body.set("stage", stage);
    body.set("position", String(position));
    card.classList.add("saving");
    fetch(card.getAttribute("data-move-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("move refused: " + response.status); }
      return response.json();
    }).then(function (data) {
      card.classList.remove("saving");
      syncMoveForm(card, data.stage, data.position);
      // positions of the other cards in both columns changed too
      [event.from, event.to].forEach(function (list) {
        Array.prototype.forEach.call(list.querySelectorAll(".task-card"), function (other, index) {
          syncMoveForm(other, list.getAttribute("data-stage"), index);
        });
      });
      refreshCounts(data.stages);
      document.getElementById("board").setAttribute("data-last-move", String(data.task));
    }).catch(function () {
      window.location.reload();
    });
  }

  function init() {
    var board = document.getElementById("board");
    if (!board || !board.hasAttribute("data-editable") || !window.Sortable || !window.fetch) { return; }
    Array.prototype.forEach.call(board.querySelectorAll(".task-cards"), function (list) {
      window.Sortable.create(list, {
        group: "board",
        draggable: ".task-card",
        handle: ".drag-handle",
        forceFallback: true,  // mouse events rather than native drag: the same on every browser and in tests
        animation: 120,
        onEnd: onEnd
      });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
