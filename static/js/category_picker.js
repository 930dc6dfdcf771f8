/* Category picker (docs/pages.md#category-picker): a select[data-category-picker] becomes a search box over the
   category tree. Empty, it lists the whole tree indented; typed words (each matched separately, anywhere in the
   path) narrow it to the matching paths. Choosing one sets the select, which stays in the form and is what is
   sent. A disabled option (a parent that cannot be chosen) is listed but not chosen. A select[multiple] keeps its list open: each choice toggles a category, and the chosen paths are listed
   above the box, each with a button that removes it. Without this file the select works as it is.
   window.CategoryPicker.enhance(select) enhances a select built later (static/js/remote_category_picker.js). */
(function () {
  "use strict";

  var counter = 0;

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function enhance(select) {
    counter += 1;
    var id = select.id || "category-picker-" + counter;
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    var items = Array.prototype.map.call(select.options, function (option) {
      return {
        value: option.value,
        path: option.textContent.trim(),
        name: option.getAttribute("data-name") || option.textContent.trim(),
        depth: parseInt(option.getAttribute("data-depth") || "0", 10),
        empty: option.value === "",
        option: option
      };
    });

    var box = document.createElement("div");
    box.className = "category-picker";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id + "_search";
    input.autocomplete = "off";
    input.placeholder = "Type to search categories";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "_tree");
    var list = document.createElement("ul");
    list.id = id + "_tree";
    list.className = "category-tree";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (label) {
      label.setAttribute("for", input.id);
      list.setAttribute("aria-label", label.textContent.trim());
    }
    var multiple = select.multiple;
    var chosenList = document.createElement("ul");
    chosenList.className = "category-chosen";
    chosenList.id = id + "_chosen";
    if (multiple) { box.appendChild(chosenList); }  // above the box, so the open list never covers it
    box.appendChild(input);
    box.appendChild(list);
    select.parentNode.insertBefore(box, select);
    box.appendChild(select);
    select.classList.add("visually-hidden");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");

    var shown = [];
    var active = -1;

    function current() {
      if (multiple) { return ""; }
      var option = select.options[select.selectedIndex];
      return option && option.value !== "" ? option.textContent.trim() : "";
    }

    function setActive(index) {
      var nodes = list.children;
      if (active >= 0 && nodes[active]) { nodes[active].removeAttribute("aria-selected"); }
      active = index;
      if (active >= 0 && nodes[active]) {
        nodes[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", nodes[active].id);
        nodes[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render() {
      var query = input.value === current() ? [] : words(input.value);
      shown = items.filter(function (item) {
        if (!query.length) { return true; }
        if (item.empty) { return false; }
        var path = item.path.toLowerCase();
        return query.every(function (word) { return path.indexOf(word) !== -1; });
      });
      list.textContent = "";
      shown.forEach(function (item, index) {
        var node = document.createElement("li");
        node.id = id + "_option_" + index;
        node.setAttribute("role", "option");
        node.setAttribute("data-value", item.value);
        if (query.length || item.empty) {
          node.textContent = item.path;
        } else {
          node.textContent = item.name;
          node.className = "depth-" + Math.min(item.depth, 6);
        }
        if (item.option.disabled) {
          node.classList.add("disabled");
          node.setAttribute("aria-disabled", "true");
        }
        if (multiple ? item.option.selected && !item.empty : item.value === select.value) {
          node.classList.add("chosen");
          if (multiple) { node.setAttribute("aria-checked", "true"); }
        }
        node.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        list.appendChild(node);
      });
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = "No category matches “" + input.value + "”.";
        list.appendChild(none);
      }
      active = -1;
      setActive(shown.length ? 0 : -1);
    }

    function open() {
      render();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.value = current();
    }

    function showChosen() {
      chosenList.textContent = "";
      items.forEach(function (item) {
        if (item.empty || !item.option.selected) { return; }
        var entry = document.createElement("li");
        entry.setAttribute("data-value", item.value);
        entry.appendChild(document.createTextNode(item.path + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "small secondary outline";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + item.path);
        remove.addEventListener("click", function () {
          item.option.selected = false;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          showChosen();
        });
        entry.appendChild(remove);
        chosenList.appendChild(entry);
      });
    }

    function choose(item) {
      if (item.option.disabled) { return; }
      if (multiple) {
        if (item.empty) { return; }
        item.option.selected = !item.option.selected;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        showChosen();
        var keep = active;
        render();
        setActive(Math.min(keep, shown.length - 1));
        return;
      }
      select.value = item.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      close();
    }

    input.value = current();
    if (multiple) {
      input.placeholder = "Type to search and add categories";
      showChosen();
    }
    input.addEventListener("focus", open);
    input.addEventListener("input", open);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { open(); return; }
        var step = event.key === "ArrowDown" ? 1 : -1;
        setActive(Math.max(0, Math.min(shown.length - 1, active + step)));
      } else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault();  // choosing a category does not submit the form
        if (shown[active]) { choose(shown[active]); }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
  }

  function init() {
    document.querySelectorAll("select[data-category-picker]").forEach(enhance);
  }

  window.CategoryPicker = { enhance: enhance };

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
