// Report downloads: a PDF takes 10-20 s to build the first time. The button says so ("Building the
// PDF report… 6 s"), polls the report's state (the same URL with Accept: application/json), and
// starts the download when the file is ready; a failure shows its reason. Without JavaScript the
// link opens a page that refreshes itself.
(function () {
  "use strict";
  const status = document.getElementById("report-status");
  const POLL_MS = 1000;
  document.querySelectorAll("a[data-report]").forEach((link) => {
    const label = link.textContent;
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return; // a new tab gets the self-refreshing page
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") return;
      const started = Date.now();
      link.setAttribute("aria-busy", "true");
      link.classList.add("busy");
      const show = (text) => { if (status) status.textContent = text; };
      const tick = (state) => {
        const seconds = Math.round((Date.now() - started) / 1000);
        const stage = state && state.stage ? `, ${state.stage}` : "";
        const pct = state && typeof state.progress_frac === "number" ? ` ${Math.round(state.progress_frac * 100)} %` : "";
        link.textContent = `Building the ${label}… ${seconds} s`;
        show(`Building the ${label}${stage}${pct}; the download starts when it is ready.`);
      };
      const done = (text) => {
        link.removeAttribute("aria-busy");
        link.classList.remove("busy");
        link.textContent = label;
        show(text);
      };
      const poll = async () => {
        tick(null);
        let state;
        try {
          const response = await fetch(link.href, { headers: { Accept: "application/json" } });
          state = await response.json();
        } catch (error) {
          window.setTimeout(poll, POLL_MS); // a transient network error: try again
          return;
        }
        if (state.ready) {
          done(`${label} ready: downloading.`);
          window.location.href = link.href;
          return;
        }
        if (state.failed) {
          done(`The ${label} could not be built: ${state.error || "unknown reason"}. Click to try again.`);
          if (status) status.setAttribute("role", "alert");
          return;
        }
        tick(state);
        window.setTimeout(poll, POLL_MS);
      };
      poll();
    });
  });
})();
