// Run page: follow the job live (stage by stage) until it finishes, then reload to show the
// result or the reason it failed.
(function () {
  "use strict";
  const box = document.getElementById("run-status");
  if (!box || !(box.dataset.status === "queued" || box.dataset.status === "running")) return;
  const stages = Array.from(document.querySelectorAll("#stages li"));
  let known = 0;
  const mark = (stage) => {
    // Sub-stages not in the list (e.g. "power cap") keep the last known step highlighted.
    const found = stages.findIndex((li) => li.dataset.stage === stage);
    if (found >= 0) known = found;
    const index = known;
    stages.forEach((li, i) => {
      li.classList.toggle("done", index >= 0 && i < index);
      li.classList.toggle("current", i === index);
      if (i === index) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    });
  };
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      const run = await response.json();
      const status = document.getElementById("status-text");
      status.textContent = run.status_label || run.status;
      const waiting = document.getElementById("waiting-for");
      if (waiting && run.waiting_for) waiting.textContent = run.waiting_for.charAt(0).toUpperCase() + run.waiting_for.slice(1);
      status.className = `status status-${run.status}`;
      document.getElementById("stage-text").textContent = run.stage;
      document.getElementById("progress").value = run.progress_frac;
      mark(run.status === "queued" ? "queued" : run.stage);
      if (run.status === "running" && known === 0) mark("weather");
      if (run.finished) { window.location.reload(); return; }
    } catch (error) { /* a transient network error: try again */ }
    window.setTimeout(poll, 700);
  };
  mark(box.dataset.status === "queued" ? "queued" : "");
  window.setTimeout(poll, 300);
})();
