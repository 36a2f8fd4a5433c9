// Formsets that grow: <button data-formset-add="PREFIX"> appends a copy of
// <template id="PREFIX-empty"> (Django's empty_form, "__prefix__" in its names) before
// itself and counts it in PREFIX-TOTAL_FORMS. Without this file the button stays hidden
// and saving the draft brings two more empty rows.
(function () {
  "use strict";

  function add(button) {
    var prefix = button.getAttribute("data-formset-add");
    var template = document.getElementById(prefix + "-empty");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!template || !total) return;
    var index = parseInt(total.value, 10);
    if (max && index >= parseInt(max.value, 10)) return;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    button.parentNode.insertBefore(row, button);
    total.value = String(index + 1);
    var first = row.querySelector("textarea, input:not([type=hidden]), select");
    if (first) first.focus();
  }

  function init() {
    var buttons = document.querySelectorAll("[data-formset-add]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) {
        add(event.currentTarget);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
