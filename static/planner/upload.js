// Upload preview: daily means of the parsed series.
(function () {
  "use strict";
  const el = document.getElementById("chart-upload");
  if (!el || !window.Plotly) return;
  fetch(el.dataset.url).then((r) => r.json()).then((d) => {
    const x = d.daily_mean.map((_, i) => i + 1);
    Plotly.newPlot(el, [{ type: "scatter", mode: "lines", x, y: d.daily_mean, line: { color: "#1f6f8b" }, name: d.name }], {
      margin: { t: 10, r: 10, b: 48, l: 64 }, font: { family: "system-ui, sans-serif", size: 13 },
      xaxis: { title: { text: "Day of the year" } }, yaxis: { title: { text: `Daily mean [${d.unit}]` } },
    }, { responsive: true, displaylogo: false }).then(() => el.setAttribute("data-rendered", "1"));
  });
})();
