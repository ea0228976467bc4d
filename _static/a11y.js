// Accessibility fixes over the theme's markup (WCAG 2.1 AA, checked by axe-core in
// tests/test_site.py); each names the axe rule it answers. Run when the page is ready and again
// when the theme's scripts change it (Font Awesome turns its icons into SVG after load).
"use strict";
(() => {
  function fix() {
    // label-content-name-mismatch: the icons inside the colour-mode button carry titles
    // ("Light", "Dark") that differ from the button's label "Color mode"; inside the labelled
    // button they are decoration
    document.querySelectorAll(".theme-switch-button svg").forEach((icon) => {
      icon.querySelectorAll("title").forEach((title) => title.remove());
      icon.removeAttribute("aria-labelledby");
      icon.removeAttribute("role");
      icon.setAttribute("aria-hidden", "true");
    });
    // label-content-name-mismatch: the search button shows "Search Ctrl+K" but is labelled
    // "Search"; its name comes from what it shows instead, and the shortcut is declared
    document.querySelectorAll(".search-button-field[aria-label]").forEach((button) => {
      button.removeAttribute("aria-label");
      button.setAttribute("aria-keyshortcuts", "Control+K");
    });
    // aria-required-children: a list of citations holds entries with the deprecated role
    // doc-biblioentry, which is no list item
    document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]')
      .forEach((entry) => entry.setAttribute("role", "listitem"));
    // scrollable-region-focusable: a code block or output wider than the page scrolls; the
    // keyboard must reach it to scroll it
    document.querySelectorAll("pre, div.cell_output .output").forEach((box) => {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
      }
    });
  }

  let pending = false;
  const schedule = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => { pending = false; fix(); });
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    fix();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("load", fix);
})();
