// <select data-choices-url="…"> (proposals/widgets.py) gets a search box: typing two or
// more characters asks the URL for matching names and offers them in the select. The
// select holds only its chosen option until then, so the page stays small.
(function () {
  "use strict";

  function enhance(select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "choices-search";
    input.placeholder = select.getAttribute("data-search-label") || "";
    input.setAttribute("aria-label", input.placeholder);
    input.autocomplete = "off";
    select.parentNode.insertBefore(input, select);
    var timer = null;
    var latest = 0;

    function fill(results) {
      var chosen = select.value;
      var keep = [];
      for (var i = 0; i < select.options.length; i++) {
        var option = select.options[i];
        if (option.value === "" || option.value === chosen) keep.push(option);
      }
      select.innerHTML = "";
      keep.forEach(function (option) { select.appendChild(option); });
      results.forEach(function (item) {
        if (String(item.id) === chosen) return;
        var option = document.createElement("option");
        option.value = item.id;
        option.textContent = item.text;
        select.appendChild(option);
      });
      if (results.length && !chosen) select.selectedIndex = 1;
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var term = input.value.trim();
      if (term.length < 1) return;
      timer = window.setTimeout(function () {
        var ticket = ++latest;
        var url = select.getAttribute("data-choices-url") + "?q=" + encodeURIComponent(term);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { if (ticket === latest) fill(data.results || []); })
          .catch(function () {});
      }, 250);
    });
  }

  // <select multiple data-multi-search> (proposals.widgets.ChipSelectMultiple): the chosen
  // options become chips with a remove button, and a combobox finds the others by any
  // part of their name. The select stays in the form (hidden) and is what is submitted.
  var counter = 0;

  function enhanceMultiple(select) {
    var id = select.id || "multi-" + ++counter;
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    var box = document.createElement("div");
    box.className = "chip-select";
    var chips = document.createElement("ul");
    chips.className = "chips";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-search";
    input.className = "chip-search";
    input.autocomplete = "off";
    input.placeholder = select.getAttribute("data-search-label") || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-options");
    var describedBy = select.getAttribute("aria-describedby");
    if (describedBy) input.setAttribute("aria-describedby", describedBy);
    if (label) {
      label.setAttribute("for", input.id);
    } else {
      input.setAttribute("aria-label", input.placeholder);
    }
    var list = document.createElement("ul");
    list.id = id + "-options";
    list.className = "chip-options";
    list.setAttribute("role", "listbox");
    if (label) {
      label.id = label.id || id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    list.hidden = true;
    box.appendChild(chips);
    box.appendChild(input);
    box.appendChild(list);
    select.parentNode.insertBefore(box, select);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    // The "hold Ctrl" hint is for the plain select.
    var hint = document.getElementById(select.id + "_helptext");
    if (hint && /Ctrl/.test(hint.textContent)) hint.hidden = true;
    var active = -1;

    function renderChips() {
      chips.innerHTML = "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.selected) return;
        var chip = document.createElement("li");
        chip.className = "chip";
        chip.appendChild(document.createTextNode(option.textContent));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", (select.getAttribute("data-remove-label") || "") + " " + option.textContent);
        remove.addEventListener("click", function () {
          option.selected = false;
          renderChips();
          input.focus();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
      chips.hidden = !chips.children.length;
    }

    function matches() {
      var term = input.value.trim().toLowerCase();
      return Array.prototype.filter.call(select.options, function (option) {
        return !option.selected && option.value !== "" && option.textContent.toLowerCase().indexOf(term) !== -1;
      });
    }

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function open() {
      list.innerHTML = "";
      var found = matches();
      found.forEach(function (option, index) {
        var item = document.createElement("li");
        item.id = id + "-option-" + index;
        item.className = "chip-option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", index === active ? "true" : "false");
        item.textContent = option.textContent;
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the search box
          choose(option);
        });
        list.appendChild(item);
      });
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "chip-option muted";
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.setAttribute("aria-selected", "false");
        none.textContent = select.getAttribute("data-empty-label") || "";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (active >= 0 && found.length) {
        input.setAttribute("aria-activedescendant", id + "-option-" + active);
        var current = document.getElementById(id + "-option-" + active);
        if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
      return found;
    }

    function choose(option) {
      option.selected = true;
      input.value = "";
      active = -1;
      renderChips();
      open();
    }

    input.addEventListener("input", function () {
      active = 0;
      open();
    });
    input.addEventListener("focus", function () { open(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      var found = matches();
      if (event.key === "ArrowDown") {
        event.preventDefault();
        active = Math.min(active + 1, found.length - 1);
        open();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        active = Math.max(active - 1, 0);
        open();
      } else if (event.key === "Enter") {
        if (!list.hidden && found[active]) {
          event.preventDefault(); // choose, do not submit the form
          choose(found[active]);
        }
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Backspace" && input.value === "") {
        var chosen = Array.prototype.filter.call(select.options, function (o) { return o.selected; });
        if (chosen.length) {
          chosen[chosen.length - 1].selected = false;
          renderChips();
          open();
        }
      }
    });
    renderChips();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[data-choices-url]");
    for (var i = 0; i < selects.length; i++) enhance(selects[i]);
    var multiple = document.querySelectorAll("select[multiple][data-multi-search]");
    for (var j = 0; j < multiple.length; j++) enhanceMultiple(multiple[j]);
  });
})();
