// Upload preview: each day's mean with its hourly range, over the year as read.
(function () {
  "use strict";
  const el = document.getElementById("chart-upload");
  if (!el || !window.Plotly) return;
  fetch(el.dataset.url).then((r) => r.json()).then((d) => {
    const x = d.daily_mean.map((_, i) => i + 1);
    const traces = [];
    if (d.daily_min.length && d.daily_max.length) {
      traces.push({ type: "scatter", mode: "lines", x, y: d.daily_max, line: { width: 0 }, showlegend: false, hoverinfo: "skip" });
      traces.push({ type: "scatter", mode: "lines", x, y: d.daily_min, fill: "tonexty", fillcolor: "rgba(31,111,139,0.18)", line: { width: 0 }, name: "hourly range of the day" });
    }
    traces.push({ type: "scatter", mode: "lines", x, y: d.daily_mean, line: { color: "#1f6f8b", width: 1.5 }, name: "daily mean" });
    Plotly.newPlot(el, traces, {
      margin: { t: 10, r: 10, b: 48, l: 64 }, font: { family: "system-ui, sans-serif", size: 13 },
      legend: { orientation: "h", y: -0.25 },
      xaxis: { title: { text: "Day of the year" } }, yaxis: { title: { text: `${d.name} [${d.unit}]` } },
    }, { responsive: true, displaylogo: false }).then(() => el.setAttribute("data-rendered", "1"));
  });
})();
