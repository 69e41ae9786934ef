// "Exit this page": the button and three presses of Shift both leave at once
// for a neutral site, replacing this page in the history. On the way a
// beacon to the link's own address (/exit) signs out, so the pages left in
// the history (all no-store) ask the server again and find nothing.
(function () {
  var link = document.querySelector("a[data-quick-exit]");
  if (!link) return;
  var through = link.getAttribute("href");
  var to = link.getAttribute("data-to") || through;
  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.display = "none";
    document.title = "";
    var sent = false;
    try { sent = navigator.sendBeacon && navigator.sendBeacon(through); } catch (e) { sent = false; }
    // Without a beacon, the server does both: it signs out and sends us on.
    window.location.replace(sent ? to : through);
  }
  link.addEventListener("click", leave);
  var presses = 0, timer = null;
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { presses = 0; return; }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { presses = 0; }, 1000);
    if (presses >= 3) leave();
  });
})();
