// Site comparison run page: follow the job, then draw the candidate sites on an offline world map.
(function () {
  "use strict";
  const panel = document.getElementById("run-status");
  const script = document.getElementById("sites-script");
  if (panel && !["succeeded", "failed", "constraints_not_met"].includes(panel.dataset.status)) {
    const poll = () => fetch(panel.dataset.statusUrl).then((r) => r.json()).then((s) => {
      document.getElementById("status-text").textContent = s.status;
      document.getElementById("stage-text").textContent = s.stage || "";
      const bar = document.getElementById("progress");
      if (bar) bar.value = s.progress_frac;
      if (s.finished) window.location.reload(); else setTimeout(poll, 1000);
    }).catch(() => setTimeout(poll, 2000));
    setTimeout(poll, 500);
  }
  const holder = document.getElementById("sites-data");
  if (!holder || !window.Plotly) return;
  const data = JSON.parse(holder.textContent);
  const sites = data.sites || [];
  const siteUrl = (i) => script.dataset.siteUrl.replace(/\/0\/$/, `/${i}/`);
  const metros = Object.values(data.metros || {});
  const ranked = sites.filter((s) => s.rank).length || 1;
  const traces = [{
    type: "scattergeo", mode: "markers+text", name: "Candidate sites",
    lat: sites.map((s) => s.latitude), lon: sites.map((s) => s.longitude),
    text: sites.map((s) => (s.rank ? `#${s.rank} ${s.name}` : `${s.name} (not ranked)`)), textposition: "top center",
    customdata: sites.map((s, i) => i),
    marker: {
      size: sites.map((s) => 10 + Math.sqrt(Math.max(0, (s.metrics || {}).peak_mw || 0)) * 2),
      color: sites.map((s) => (s.rank ? s.rank : null)), cmin: 1, cmax: Math.max(2, ranked), colorscale: "Viridis", reversescale: true,
      line: { color: "#1b2430", width: 1 }, opacity: 0.9,
    },
    hovertemplate: sites.map((s) => `${s.name}<br>${((s.metrics || {}).usd_per_mtok ?? NaN).toFixed(3)} USD/Mtok<br>${((s.metrics || {}).peak_mw ?? NaN).toFixed(1)} MW peak<br>${s.reasons && s.reasons.length ? s.reasons.join("<br>") : "rank " + s.rank}<extra></extra>`),
  }];
  if (metros.length) traces.push({
    type: "scattergeo", mode: "markers", name: "Users' metros", lat: metros.map((m) => m.latitude), lon: metros.map((m) => m.longitude),
    marker: { size: 7, symbol: "diamond", color: "#e76f51" }, hovertemplate: metros.map((m) => `${m.name} (users)<extra></extra>`),
  });
  const layout = {
    margin: { t: 8, r: 8, b: 8, l: 8 }, showlegend: false, paper_bgcolor: "#fff",
    height: 440,
    geo: { scope: "world", resolution: 110, projection: { type: "natural earth" }, fitbounds: false,
      lonaxis: { range: [-180, 180] }, lataxis: { range: [-58, 84] }, showland: true, landcolor: "#eef1f4", showcountries: true, countrycolor: "#c9d1d9", showocean: true, oceancolor: "#f7fbff" },
  };
  const el = document.getElementById("chart-map");
  Plotly.newPlot(el, traces, layout, { responsive: true, displaylogo: false, topojsonURL: script.dataset.topojsonUrl })
    .then(() => {
      el.setAttribute("data-rendered", "1");
      el.on("plotly_click", (ev) => { const i = ev.points[0].customdata; if (i !== undefined) window.location.href = siteUrl(i); });
    });
})();
