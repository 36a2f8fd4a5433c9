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

  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[data-choices-url]");
    for (var i = 0; i < selects.length; i++) enhance(selects[i]);
  });
})();
