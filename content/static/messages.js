// Brings the conversation up to date when the person comes back to the
// page (another app, another tab, the phone woken): the list is fetched
// again and replaced, leaving whatever is in the writing box as it is.
// Without this script, reloading or returning to the page does the same.
(function () {
  "use strict";
  var list = document.querySelector("[data-conversation]");
  if (!list || !window.fetch || !window.DOMParser) { return; }
  function refresh() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-conversation]");
        var current = document.querySelector("[data-conversation]");
        if (fresh && current && fresh.innerHTML !== current.innerHTML) {
          current.replaceWith(fresh);
        }
      })
      .catch(function () {});
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
})();
