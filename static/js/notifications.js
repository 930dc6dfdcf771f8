/* The header's unread notification count (docs/operations.md#notifications): fetched after the page loaded, so a
   page spends no query on it. Without this file the "Notifications" link still leads to the centre. */
(function () {
  "use strict";
  var link = document.getElementById("notifications-link");
  if (!link || !window.fetch) {
    return;
  }
  fetch(link.getAttribute("data-unread-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data || !data.unread) {
        return;
      }
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.id = "notifications-unread";
      badge.textContent = String(data.unread);
      badge.setAttribute("aria-label", data.unread + " unread");
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    })
    .catch(function () { /* the link works without the count */ });
})();
