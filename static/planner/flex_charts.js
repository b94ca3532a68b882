// Flexible operation charts on the result page: the week around the worst event and the duration
// curve at the meter. Uses the helpers of charts.js (window.PlannerCharts) when present.
(function () {
  "use strict";
  function start() {
    const box = document.getElementById("flex-section");
    if (!box || !window.Plotly) return;
    const result = JSON.parse(document.getElementById("result-data").textContent);
    const flex = result.flexibility_dispatch || {};
    const P = window.PlannerCharts || {};
    const layout = (extra) => (P.layout ? P.layout(P.axes ? P.axes(extra) : extra) : extra);
    const config = P.config || { responsive: true, displaylogo: false };
    const draw = (id, traces, extra) => {
      const el = document.getElementById(id);
      el.innerHTML = "";
      return Plotly.newPlot(el, traces, layout(extra), config).then(() => el.setAttribute("data-rendered", "1"));
    };
    fetch(box.dataset.hourlyUrl).then((r) => r.json()).then((H) => {
      const base = H.facility_power_mw || [], it = H.it_power_mw || [], meter = H.flex_meter_mw || [];
      const zero = base.map(() => 0);
      const get = (k) => H[k] || zero;
      const cap = get("flex_cap_saving_mw"), shift = get("flex_deferral_shift_mw"), shed = get("flex_shed_mw");
      const bat = get("flex_battery_mw"), gen = get("flex_generation_mw"), eventCap = get("flex_event_cap_mw");
      const inEvent = get("flex_event_frac");
      const worst = flex.worst_event || { week_start_hour: 0, week_end_hour: Math.min(168, base.length) };
      const hours = [];
      for (let t = worst.week_start_hour; t < worst.week_end_hour; t++) hours.push(t);
      const year = P.year ? P.year(result) : 2027;
      const x = hours.map((t) => new Date(Date.UTC(year, 0, 1, t)).toISOString().slice(0, 13).replace("T", " ") + ":00");
      const curtailed = hours.map((t) => cap[t] + shed[t] + Math.max(0, -shift[t]));
      const consumed = hours.map((t, i) => base[t] - curtailed[i] + Math.max(0, shift[t]));
      const itShare = hours.map((t) => (base[t] > 0 ? it[t] / base[t] : 0));
      const servedIt = consumed.map((c, i) => c * itShare[i]);
      const cooling = consumed.map((c, i) => c - servedIt[i]);
      const area = (name, y, color) => ({ type: "scatter", mode: "lines", stackgroup: "load", name, x, y, line: { width: 0.5, color } });
      const line = (name, y, color, dash) => ({ type: "scatter", mode: "lines", name, x, y, line: { color, width: 2, dash } });
      draw("chart-flex-week", [
        area("Served IT", servedIt, "#1d3557"),
        area("Cooling and losses", cooling, "#4cc9f0"),
        area("Curtailed (caps, deferral, shedding)", curtailed, "#e76f51"),
        line("Battery (+ discharge, − charge)", hours.map((t) => bat[t]), "#2a9d8f"),
        line("On-site generation", hours.map((t) => gen[t]), "#6a4c93"),
        line("Grid meter after dispatch", hours.map((t) => meter[t]), "#264653"),
        line("Event cap", hours.map((t) => (inEvent[t] > 0 ? eventCap[t] : null)), "#d62828", "dash"),
      ], { yaxis: { title: { text: "Power [MW]" } }, xaxis: { title: { text: "Hour (local time)" } } });
      const desc = (values) => values.filter((v) => v !== null).slice().sort((a, b) => b - a);
      const rank = base.map((_, i) => i + 1);
      draw("chart-flex-duration", [
        { type: "scatter", mode: "lines", name: "Without flexibility", x: rank, y: desc(base), line: { color: "#adb5bd", width: 2 } },
        { type: "scatter", mode: "lines", name: "With the dispatch", x: rank, y: desc(meter), line: { color: "#264653", width: 2 } },
      ], { xaxis: { title: { text: "Hours of the year at or above [h]" } }, yaxis: { title: { text: "Meter power [MW]" } } });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
