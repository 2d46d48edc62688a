/* The phone header's menu button (masthead/core/templates/base.html).
 *
 * Loaded in <head> without defer: the "js" class lands on <html> before the
 * header is painted, so on a phone the menus are folded from the first frame
 * (no jump as the page loads). Without script the class never appears and the
 * menus stay open as plain lists. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function wire() {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) return;
    button.hidden = false;

    function setOpen(open) {
      header.classList.toggle("is-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }

    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("is-open")) {
        setOpen(false);
        button.focus();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
