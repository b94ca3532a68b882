// Study run page: follow progress until the run finishes (then reload), sort the points table,
// draw the charts (any KPI against any varied field; fan chart; Sobol bars).
(function () {
  "use strict";
  const box = document.getElementById("study-status");
  if (box && (box.dataset.status === "queued" || box.dataset.status === "running")) {
    const poll = async () => {
      try {
        const run = await (await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })).json();
        document.getElementById("status-text").textContent = run.status;
        document.getElementById("stage-text").textContent = run.stage;
        document.getElementById("progress").value = run.progress_frac;
        document.getElementById("points-text").textContent = `${run.points_stored}/${run.points_total} points`;
        if (run.finished) { window.location.reload(); return; }
      } catch (error) { /* transient: try again */ }
      window.setTimeout(poll, 700);
    };
    window.setTimeout(poll, 300);
  }

  const table = document.getElementById("points-table");
  if (table) {
    table.querySelectorAll("th").forEach((th, column) => {
      const sort = () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach((h) => h.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const key = (row) => { const cell = row.cells[column]; const t = (cell.dataset.value ?? cell.textContent).trim(); const n = Number(t); return t !== "" && t !== "—" && !Number.isNaN(n) ? n : t; };
        rows.sort((a, b) => { const x = key(a), y = key(b); const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y)); return ascending ? c : -c; });
        rows.forEach((row) => body.appendChild(row));
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }

  const chart = document.getElementById("chart-kpi-field");
  if (!chart || typeof Plotly === "undefined") return;
  const layout = (x, y) => ({ margin: { t: 20, r: 10 }, xaxis: { title: { text: x } }, yaxis: { title: { text: y } }, height: 360 });
  fetch(chart.dataset.url).then((r) => r.json()).then((data) => {
    const kpiSelect = document.getElementById("chart-kpi");
    const fieldSelect = document.getElementById("chart-field");
    const draw = () => {
      const kpi = kpiSelect.value, field = fieldSelect.value;
      const computed = data.points.filter((p) => (p.status === "computed" || p.status === "constraints_not_met") && p.kpis[kpi] !== null && p.kpis[kpi] !== undefined);
      const x = computed.map((p) => (field === "__index" ? p.index : p.values[field]));
      const y = computed.map((p) => p.kpis[kpi]);
      const unit = data.kpis[kpi].unit ? ` [${data.kpis[kpi].unit}]` : "";
      const best = computed.filter((p) => p.index === data.best_index);
      const traces = [{ x, y, mode: "markers", type: "scatter", name: "points", text: computed.map((p) => `point ${p.index}`) }];
      if (best.length) traces.push({ x: best.map((p) => (field === "__index" ? p.index : p.values[field])), y: best.map((p) => p.kpis[kpi]), mode: "markers", marker: { size: 14, symbol: "star" }, name: "best" });
      Plotly.react(chart, traces, layout(field === "__index" ? "point" : field, data.kpis[kpi].label + unit), { displaylogo: false, responsive: true });
    };
    kpiSelect.addEventListener("change", draw);
    fieldSelect.addEventListener("change", draw);
    draw();
    const fanBox = document.getElementById("chart-fan");
    const fanSelect = document.getElementById("fan-series");
    if (fanBox && fanSelect) {
      const drawFan = () => {
        const band = data.fan[fanSelect.value];
        const days = band.p50.map((_, i) => i + 1);
        const unit = data.series[fanSelect.value] ? data.series[fanSelect.value].unit : "";
        Plotly.react(fanBox, [
          { x: days, y: band.p10, mode: "lines", line: { width: 0 }, name: "P10", showlegend: false },
          { x: days, y: band.p90, mode: "lines", line: { width: 0 }, fill: "tonexty", name: "P10–P90" },
          { x: days, y: band.p50, mode: "lines", name: "P50" },
        ], layout("day of year", `${fanSelect.value} [${unit}]`), { displaylogo: false, responsive: true });
      };
      fanSelect.addEventListener("change", drawFan);
      drawFan();
    }
    const paretoBox = document.getElementById("chart-pareto");
    if (paretoBox) {
      const xSelect = document.getElementById("pareto-x");
      const ySelect = document.getElementById("pareto-y");
      const drawPareto = (front) => {
        const [kx, ky] = front.kpis;
        const onFront = new Set(front.indices);
        const usable = data.points.filter((p) => p.kpis[kx] != null && p.kpis[ky] != null && (p.status === "computed" || p.status === "constraints_not_met"));
        const others = usable.filter((p) => !onFront.has(p.index));
        const byIndex = new Map(usable.map((p) => [p.index, p]));
        const frontPoints = front.indices.map((i) => byIndex.get(i)).filter(Boolean);
        const label = (k) => data.kpis[k].label + (data.kpis[k].unit ? ` [${data.kpis[k].unit}]` : "");
        Plotly.react(paretoBox, [
          { x: others.map((p) => p.kpis[kx]), y: others.map((p) => p.kpis[ky]), mode: "markers", type: "scatter", name: "other candidates", marker: { color: "#9aa5b1" }, text: others.map((p) => `point ${p.index}`) },
          { x: frontPoints.map((p) => p.kpis[kx]), y: frontPoints.map((p) => p.kpis[ky]), mode: "lines+markers", type: "scatter", name: "Pareto front", marker: { size: 11, color: "#c2410c" }, line: { color: "#c2410c" }, text: frontPoints.map((p) => `point ${p.index}`) },
        ].concat(byIndex.has(data.best_index) ? [{ x: [byIndex.get(data.best_index).kpis[kx]], y: [byIndex.get(data.best_index).kpis[ky]], mode: "markers", type: "scatter", name: "best (objective)", marker: { size: 15, symbol: "star", color: "#1d4e89" } }] : []),
        layout(label(kx), label(ky)), { displaylogo: false, responsive: true });
      };
      const redraw = () => {
        if (xSelect.value === ySelect.value) return;
        fetch(`${chart.dataset.url}?pareto=${encodeURIComponent(xSelect.value + "," + ySelect.value)}`).then((r) => r.json()).then((d) => drawPareto(d.pareto));
      };
      xSelect.addEventListener("change", redraw);
      ySelect.addEventListener("change", redraw);
      drawPareto(data.pareto);
    }
    const sobolBox = document.getElementById("chart-sobol");
    if (sobolBox) {
      const traces = [];
      Object.entries(data.sobol).forEach(([kpi, s]) => {
        if (s.error) return;
        traces.push({ type: "bar", name: `${kpi} first order`, x: s.inputs, y: s.first_order });
        traces.push({ type: "bar", name: `${kpi} total`, x: s.inputs, y: s.total_order });
      });
      Plotly.react(sobolBox, traces, { ...layout("input", "Sobol index"), barmode: "group" }, { displaylogo: false, responsive: true });
    }
  });
})();
