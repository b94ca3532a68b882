/* Portfolio pages: follow a running job, then draw the year-by-year charts (plotly.js, offline). */
(function () {
  "use strict";
  const status = document.getElementById("run-status");
  if (status && status.dataset.finished === "0") {
    const poll = function () {
      fetch(status.dataset.statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        document.getElementById("status-text").textContent = s.status;
        document.getElementById("stage-text").textContent = s.stage;
        const bar = document.getElementById("progress");
        if (bar) { bar.value = s.progress_frac; }
        if (s.finished) { window.location.reload(); } else { window.setTimeout(poll, 700); }
      }).catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 500);
  }
  const node = document.getElementById("portfolio-result");
  if (!node || typeof Plotly === "undefined") { return; }
  const result = JSON.parse(node.textContent);
  const layout = function (title, extra) {
    return Object.assign({ margin: { t: 10, r: 50, b: 40, l: 60 }, xaxis: { title: "year", dtick: 1 }, yaxis: { title: title },
      legend: { orientation: "h", y: -0.25 }, barmode: "stack" }, extra || {});
  };
  const config = { displaylogo: false, responsive: true };
  Object.keys(result.regions).forEach(function (slug) {
    const region = result.regions[slug];
    const years = region.yearly.map(function (y) { return y.year; });
    const stack = region.members.map(function (name) {
      return { type: "bar", name: name, x: years, y: region.yearly.map(function (y) { return y.member_coincident_mw[name]; }) };
    });
    stack.push({ type: "scatter", mode: "lines+markers", name: "% of system peak", yaxis: "y2", x: years,
      y: region.yearly.map(function (y) { return y.share_of_system_peak_pct; }) });
    Plotly.newPlot("chart-stack-" + slug, stack,
      layout("coincident MW", { yaxis2: { title: "% of system peak", overlaying: "y", side: "right" } }), config);
    const rm = function (key, name, dash) {
      return { type: "scatter", mode: "lines+markers", name: name, x: years, line: { dash: dash || "solid" },
        y: region.yearly.map(function (y) { return y.reserve_margin[key]; }) };
    };
    Plotly.newPlot("chart-reserve-" + slug, [rm("before_pct", "before"), rm("after_pct", "after"), rm("target_pct", "target", "dot")],
      layout("reserve margin [%]"), config);
    const bills = [];
    ["socialised", "large_load_tariff", "flexible"].forEach(function (view) {
      bills.push({ type: "scatter", mode: "lines+markers", name: view, x: years,
        y: region.yearly.map(function (y) { return y.bills[view].total_usd_per_month; }) });
      bills.push({ type: "scatter", mode: "lines", name: view + " if curtailed", x: years, line: { dash: "dash" },
        y: region.yearly.map(function (y) { return y.bills_if_curtailed ? y.bills_if_curtailed[view].total_usd_per_month : null; }) });
    });
    Plotly.newPlot("chart-bills-" + slug, bills, layout("$ per customer-month"), config);
    const used = region.headroom.filter(function (h) { return h.headroom_mw; }).map(function (h) {
      return { type: "scatter", mode: "lines+markers", name: h.rate_pct + " % curtailment (" + Math.round(h.headroom_mw) + " MW)", x: years,
        y: region.yearly.map(function (y) {
          const row = y.headroom_used.find(function (u) { return u.rate_pct === h.rate_pct; });
          return row && row.used_frac !== null ? 100 * row.used_frac : null;
        }) };
    });
    Plotly.newPlot("chart-headroom-" + slug, used, layout("headroom used [%]", { shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 100, y1: 100, line: { dash: "dot" } }] }), config);
  });
})();
