// Small page behaviours, all from this file (the Content-Security-Policy allows no inline
// script or event handler).
// Ask before destructive actions: <button data-confirm="Withdraw this assignment?">.
// Works without this file too; the action then simply runs without asking.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (target && target.tagName !== "FORM" && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  // <form data-confirm="…"> asks once on submit, however it is submitted.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // <details open data-fold-below="760">: folded on a narrower screen (a phone), so the
    // list starts in the first screen; kept open when it holds active filters.
    document.querySelectorAll("details[data-fold-below]").forEach(function (details) {
      var below = parseInt(details.getAttribute("data-fold-below"), 10);
      if (!details.hasAttribute("data-active") && window.matchMedia("(max-width: " + (below - 0.02) + "px)").matches) {
        details.open = false;
      }
    });
    // Error pages: "back to the previous page" (hidden without JavaScript).
    document.querySelectorAll("[data-history-back]").forEach(function (link) {
      if (window.history.length > 1) {
        link.hidden = false;
        link.addEventListener("click", function (event) {
          event.preventDefault();
          window.history.back();
        });
      }
    });
    // <svg data-min-width="420">: a wide chart scrolls sideways on a phone rather than
    // shrinking (set from script: the Content-Security-Policy allows no style attribute).
    document.querySelectorAll("[data-min-width]").forEach(function (element) {
      element.style.minWidth = element.getAttribute("data-min-width") + "px";
    });
  });
})();
