// Version switcher of the published report (copied to _static/ and linked only in editions built by `python -m helpers publish`).
// switcher.json lists each edition with a URL relative to switcher.json itself, so the site works from any
// base path and offline. pydata-sphinx-theme writes those URLs into links relative to the current page;
// this script resolves each such link against switcher.json's own address instead.
(function () {
  "use strict";
  function editionRoot() {
    return new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  }
  function switcherBase() {
    // documentation_options.js declares it with const: a global, but not a property of window.
    var options = typeof DOCUMENTATION_OPTIONS === "undefined" ? {} : DOCUMENTATION_OPTIONS;
    return options.theme_switcher_json_url ? new URL(options.theme_switcher_json_url, editionRoot()) : editionRoot();
  }
  function resolve(anchor) {
    var href = anchor.getAttribute("href");
    if (anchor.dataset.reportResolved === href) return;
    if (href && !/^([a-z][a-z0-9+.-]*:|\/)/i.test(href)) {
      href = new URL(href, switcherBase()).href;
      anchor.setAttribute("href", href);
    }
    anchor.dataset.reportResolved = href;
  }
  // The theme speaks of "documentation" and "versions"; this report has editions.
  function wordAsEditions() {
    var message = document.querySelector("#bd-header-version-warning .sidebar-message");
    if (message && message.firstChild && message.firstChild.nodeType === 3 && /documentation/.test(message.firstChild.nodeValue)) {
      message.firstChild.nodeValue = "You are reading ";
      var strong = message.querySelector("strong");
      if (strong) strong.textContent = strong.textContent.replace("version", "edition");
    }
    var button = document.querySelector("a.pst-button-link-to-stable-version");
    if (button && button.textContent !== "Go to the newest edition") button.textContent = "Go to the newest edition";
    document.querySelectorAll(".version-switcher__button").forEach(function (switcher) {
      var name = switcher.dataset.activeVersionName;
      var label = name ? "Edition " + name + ": choose another edition" : "Choose an edition";
      if (switcher.getAttribute("aria-label") !== label) switcher.setAttribute("aria-label", label);
    });
  }
  function resolveAll() {
    document.querySelectorAll(".version-switcher__menu a, a.pst-button-link-to-stable-version").forEach(resolve);
    wordAsEditions();
  }
  new MutationObserver(resolveAll).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", resolveAll);
})();
