/* The design system's file input in the page's language (web/forms_render.py).
 *
 * The system's script (uswds.min.js, loaded just before this one) draws a drop zone around
 * each input.usa-file-input, writes its instructions and screen-reader announcements in
 * English, and names the input with them (aria-label), hiding the field's own <label>.
 * This puts the texts the server rendered, translated, in data-* attributes of the input in
 * their place, and leaves the input named by its <label>.
 */
(function () {
  "use strict";

  function fixStatus(input, status) {
    var d = input.dataset;
    var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    var text = names.length ? d.chosenText + ": " + names.join(", ") : d.noneText;
    if (status.textContent !== text) status.textContent = text;
  }

  function localize(input) {
    var d = input.dataset;
    var target = input.closest(".usa-file-input__target");
    if (!target) return;
    var drag = target.querySelector(".usa-file-input__drag-text");
    var choose = target.querySelector(".usa-file-input__instructions .usa-file-input__choose");
    if (drag) drag.textContent = d.dragText;
    if (choose) choose.textContent = drag ? d.chooseText : d.chooseAloneText;
    var heading = target.querySelector(".usa-file-input__preview-heading");
    if (heading && heading.firstChild) {
      heading.firstChild.textContent = d.chosenText + " ";
      var change = heading.querySelector(".usa-file-input__choose");
      if (change) change.textContent = d.changeText;
    }
    input.removeAttribute("aria-label");
  }

  function init() {
    document.querySelectorAll("input.usa-file-input__input[data-drag-text]").forEach(function (input) {
      localize(input);
      // After the system's own change handler, which was added first.
      input.addEventListener("change", function () { localize(input); });
      var status = input.closest(".usa-file-input").querySelector(".usa-sr-only");
      if (status) {
        fixStatus(input, status);
        new MutationObserver(function () { fixStatus(input, status); })
          .observe(status, { childList: true, characterData: true, subtree: true });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
