/* Safeguard Panel: progressive enhancement only. Every core page and form works without
   JavaScript; this file only switches on GOV.UK Frontend's behaviours.

   A classic script (no import statement), included synchronously as the first thing in
   <body> so the classes below are set before anything is painted, as the GOV.UK Frontend
   docs ask. govuk-frontend.min.js is an ES module exporting initAll(); its URL comes from
   the data-govuk-frontend attribute, written by {% static %} so it is the hashed name in
   production. Loading it here rather than from an inline <script type="module"> keeps the
   pages free of inline script, ready for a Content-Security-Policy of script-src 'self'. */
(function () {
  "use strict";

  var script = document.currentScript;
  var body = document.body;
  // Browsers that understand <script type="module"> are the ones GOV.UK Frontend supports.
  var supported = "noModule" in HTMLScriptElement.prototype;

  body.className += " js-enabled" + (supported ? " govuk-frontend-supported" : "");

  // Conditional reveals: a radio or checkbox marked data-app-reveal="<id>" shows that panel
  // while it is chosen. GOV.UK Frontend's own version (data-aria-controls) puts aria-expanded
  // on the inputs, which ARIA does not allow on a radio or checkbox (axe: aria-allowed-attr).
  // This one sets no ARIA on the input at all (GOV.UK's radios script adds aria-expanded to
  // any input with aria-controls): the panel follows its input in the reading order, as
  // GOV.UK asks of conditional reveals, and without JavaScript every panel simply shows. Runs with or without GOV.UK Frontend, and
  // again after htmx swaps part of a page.
  function syncReveals() {
    var inputs = document.querySelectorAll("input[data-app-reveal]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var panel = document.getElementById(input.getAttribute("data-app-reveal"));
      if (!panel) {
        continue;
      }
      var kind = input.type === "checkbox" ? "checkboxes" : "radios";
      panel.classList.toggle("govuk-" + kind + "__conditional--hidden", !input.checked);
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.matches && event.target.matches("input")) {
      syncReveals();
    }
  });
  document.addEventListener("htmx:afterSettle", syncReveals);
  // Back/forward restores checked states without a change event.
  window.addEventListener("pageshow", syncReveals);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncReveals);
  } else {
    syncReveals();
  }

  if (!supported || !script) {
    return;
  }
  var moduleUrl = script.getAttribute("data-govuk-frontend");
  if (!moduleUrl) {
    return;
  }
  // Absolute, because import() in a classic script resolves a relative URL against the
  // script's own URL, which a browser treats as unknown if STATIC_URL is another origin.
  moduleUrl = new URL(moduleUrl, document.baseURI).href;

  function start() {
    import(moduleUrl)
      .then(function (GOVUKFrontend) {
        GOVUKFrontend.initAll();
      })
      .catch(function (error) {
        // The page still works: components simply stay in their no-JavaScript form.
        if (window.console) {
          window.console.error("GOV.UK Frontend did not start", error);
        }
      });
  }

  // initAll() looks for components in the document, so wait until it is parsed.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
