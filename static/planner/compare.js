// Compare page: overlay the runs' hourly series (fetched as JSON, one request per run).
(function () {
  "use strict";
  if (!window.Plotly || !document.getElementById("compare-charts")) return;
  const runs = JSON.parse(document.getElementById("compare-runs").textContent);
  const urls = JSON.parse(document.getElementById("compare-urls").textContent);
  const COLORS = ["#1f6f8b", "#e76f51", "#2a9d8f", "#8d5a97"];
  const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const HOURS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`);
  const layout = (extra) => Object.assign({
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 13, color: "#1b2430" },
    margin: { t: 16, r: 16, b: 56, l: 64 }, legend: { orientation: "h", y: -0.25 }, hoverlabel: { namelength: -1 },
  }, extra, {
    // Plain decimals with thousands separators on the value axes, never 1e+5 (as charts.js).
    xaxis: Object.assign({ exponentformat: "none", separatethousands: true }, (extra || {}).xaxis),
    yaxis: Object.assign({ exponentformat: "none", separatethousands: true }, (extra || {}).yaxis),
  });
  const config = { responsive: true, displaylogo: false };
  const draw = (id, traces, extra) => {
    const el = document.getElementById(id);
    return Plotly.newPlot(el, traces, layout(extra), config).then(() => el.setAttribute("data-rendered", "1"));
  };
  Promise.all(urls.map((u) => fetch(u).then((r) => r.json()))).then((all) => {
    const line = (i) => ({ color: COLORS[i % COLORS.length], width: 2 });
    draw("chart-duration", all.map((H, i) => {
      const sorted = (H.facility_power_mw || []).slice().sort((a, b) => b - a);
      return { type: "scatter", mode: "lines", name: runs[i].label, y: sorted, x: sorted.map((_, k) => k + 1), line: line(i) };
    }), { xaxis: { title: { text: "Hours of the year at or above this power [h]" } }, yaxis: { title: { text: "Facility power [MW]" }, rangemode: "tozero" } });

    draw("chart-monthly", all.map((H, i) => {
      const p = H.facility_power_mw || [];
      let start = 0;
      const gwh = MONTH_DAYS.map((d) => { let s = 0; for (let k = start; k < start + d * 24; k++) s += p[k] || 0; start += d * 24; return s / 1000; });
      return { type: "bar", name: runs[i].label, x: MONTHS, y: gwh, marker: { color: COLORS[i % COLORS.length] } };
    }), { barmode: "group", yaxis: { title: { text: "Facility energy [GWh per month]" } }, xaxis: { title: { text: "Month" } } });

    draw("chart-profile", all.map((H, i) => {
      const p = H.facility_power_mw || [], sums = new Array(24).fill(0);
      p.forEach((v, k) => { sums[k % 24] += v; });
      return { type: "scatter", mode: "lines+markers", name: runs[i].label, x: HOURS, y: sums.map((s) => s / (p.length / 24)), line: line(i), marker: { size: 4 } };
    }), { xaxis: { title: { text: "Hour of day (local)" }, nticks: 12 }, yaxis: { title: { text: "Mean facility power [MW]" }, rangemode: "tozero" } });

    draw("chart-cmp-pue", all.map((H, i) => {
      const bins = {};
      (H.dry_bulb_c || []).forEach((t, k) => { const b = Math.round(t); const e = bins[b] || (bins[b] = [0, 0]); e[0] += H.pue[k]; e[1] += 1; });
      const xs = Object.keys(bins).map(Number).sort((a, b) => a - b);
      return { type: "scatter", mode: "lines", name: runs[i].label, x: xs, y: xs.map((b) => bins[b][0] / bins[b][1]), line: line(i) };
    }), { xaxis: { title: { text: "Outdoor dry-bulb temperature [°C]" } }, yaxis: { title: { text: "PUE [facility ÷ IT]" } } });
  });
})();
