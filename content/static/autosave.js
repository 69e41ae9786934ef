// Keeps a half-written form on the server while the person types, so a
// dropped connection or "Exit this page" loses nothing. The form works the
// same without this script: its buttons save too.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-autosave]");
  Array.prototype.forEach.call(forms, function (form) {
    var timer = null;
    var dirty = false;
    function save() {
      if (!dirty || !window.fetch || !window.FormData) { return; }
      dirty = false;
      var data = new FormData(form);
      data.set("intent", "autosave");
      var body = new URLSearchParams();
      data.forEach(function (value, key) { body.append(key, value); });
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
        keepalive: true
      }).catch(function () { dirty = true; });
    }
    form.addEventListener("input", function () {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, 2000);
    });
    form.addEventListener("change", function () { dirty = true; save(); });
    // Leaving the page (quick exit, back, closing the tab): save what is there.
    window.addEventListener("pagehide", save);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(); }
    });
  });
})();
