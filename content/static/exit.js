// "Exit this page": the button and three presses of Shift both leave for a
// neutral site, replacing this page in the history so Back does not return.
(function () {
  var link = document.querySelector("a[data-quick-exit]");
  if (!link) return;
  var target = link.getAttribute("href");
  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.display = "none";
    document.title = "";
    window.location.replace(target);
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
