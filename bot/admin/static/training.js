/* The training page follows a running training and reloads when it is done. */
(function () {
  "use strict";
  var progress = document.getElementById("progress");
  if (!progress) return;
  var run = progress.getAttribute("data-run");
  function poll() {
    fetch("/admin/api/training/" + encodeURIComponent(run), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.state !== "running") { window.location.reload(); return; }
        progress.textContent = "Training " + run + " loopt: " + status.stage + "…";
        window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
