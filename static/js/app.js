// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Propose the browser's own time zone on forms that ask for one.
  function guessTimeZone(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    root.querySelectorAll("select[data-guess-time-zone]").forEach(function (select) {
      if (select.dataset.guessed) return;
      select.dataset.guessed = "true";
      var bound = select.querySelector("option[selected]");
      if (bound && bound.value !== "UTC") return; // Keep what the person already chose.
      if (select.querySelector('option[value="' + zone + '"]')) select.value = zone;
    });
  }

  // "Copy" buttons: hidden until the clipboard can be used.
  function enableCopy(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.bound) return;
      button.dataset.bound = "true";
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        var status = document.getElementById(button.dataset.copyStatus);
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          if (status) status.textContent = "Copied.";
        });
      });
    });
  }

  function enhance(root) {
    guessTimeZone(root);
    enableCopy(root);
  }

  // Quick exit: log out in the background, blank the page, and replace it in the history
  // (Back does not return to it) with the ordinary site. Escape three times within two
  // seconds does the same. Without JavaScript the link logs out and leaves.
  function quickExit() {
    var link = document.querySelector("a[data-quick-exit]");
    if (!link) return;
    try { fetch(link.href, { credentials: "same-origin", keepalive: true, redirect: "manual" }); } catch (e) { /* leave anyway */ }
    document.body.hidden = true;
    document.title = "";
    window.location.replace(link.dataset.quickExit);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    quickExit();
  });
  var escapes = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    escapes = escapes.filter(function (t) { return now - t < 2000; });
    escapes.push(now);
    if (escapes.length >= 3) quickExit();
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
