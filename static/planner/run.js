// Run page: poll the run's status until it finishes, then reload to show the result; draw charts.
(function () {
  "use strict";
  const box = document.getElementById("run-status");
  if (box && (box.dataset.status === "queued" || box.dataset.status === "running")) {
    const poll = async () => {
      try {
        const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
        const run = await response.json();
        document.getElementById("status-text").textContent = run.status;
        document.getElementById("stage-text").textContent = run.stage;
        document.getElementById("progress").value = run.progress_frac;
        if (run.finished) { window.location.reload(); return; }
      } catch (error) { /* a transient network error: try again */ }
      window.setTimeout(poll, 1000);
    };
    window.setTimeout(poll, 500);
  }
  const chart = document.getElementById("chart-power");
  if (chart && window.Plotly) {
    fetch(chart.dataset.hourlyUrl).then((r) => r.json()).then((h) => {
      const x = h.facility_power_mw.map((_, i) => i);
      const trace = (name, y) => ({ x, y, name, type: "scatter", mode: "lines", stackgroup: "one", line: { width: 0.5 } });
      const it = h.it_power_mw, losses = h.power_losses_mw, cooling = h.cooling_power_mw;
      Plotly.newPlot(chart, [trace("IT", it), trace("Power-chain losses", losses), trace("Cooling", cooling)], {
        title: { text: "Facility power by hour of the year" },
        xaxis: { title: { text: "Hour of year" } },
        yaxis: { title: { text: "Power (MW)" } },
        margin: { t: 40, r: 10 }, legend: { orientation: "h" },
      }, { responsive: true, displaylogo: false }).then(() => chart.setAttribute("data-rendered", "1"));
    });
  }
})();
