/* Live preview of the price rule editor (docs/pricing.md#price-rules): after a change to the form, the page posts
   it with action=preview and swaps in the preview table the server rendered. Nothing is saved by a preview.
   Without this file, the Preview button does the same with a full page load. */
(function () {
  "use strict";

  function init(form) {
    var target = document.getElementById("rule-preview");
    if (!target || !window.fetch) { return; }
    var timer = null;
    var seq = 0;

    function refresh() {
      var data = new FormData(form);
      data.set("action", "preview");
      var mine = ++seq;
      // form.action would be the buttons named "action"; the attribute is the URL
      fetch(form.getAttribute("action") || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          if (mine !== seq) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("rule-preview");
          if (fresh) { target.replaceChildren.apply(target, Array.prototype.slice.call(fresh.childNodes)); }
        });
    }

    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    });
  }

  document.querySelectorAll("form[data-rule-editor]").forEach(init);
})();
