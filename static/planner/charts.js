// Result page charts (plotly.js served from static/vendor; no network beyond this app).
// Small figures come inline (#result-data); the 8,760-hour series are fetched as JSON.
(function () {
  "use strict";
  const root = document.getElementById("charts");
  if (!root || !window.Plotly) return;
  const result = JSON.parse(document.getElementById("result-data").textContent);
  const P = window.PlannerCharts = window.PlannerCharts || {};

  const COLORS = {
    accel: "#1f6f8b", arith: "#2a9d8f", data: "#e9c46a", static: "#8d99ae", host: "#577590",
    network: "#90be6d", losses: "#f4a261", cooling: "#4cc9f0", grid: "#264653", it: "#1d3557", other: "#adb5bd",
  };
  P.COLORS = COLORS;
  P.layout = (extra) => Object.assign({
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 13, color: "#1b2430" },
    margin: { t: 16, r: 16, b: 56, l: 64 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    legend: { orientation: "h", y: -0.22 }, hoverlabel: { namelength: -1 },
  }, extra || {});
  P.config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  // Numbers on axes in plain decimals with thousands separators, never 1e+5 or 100k (bar labels and
  // hover texts use d3's "~r" format for the same reason).
  const AXIS_NUMBERS = { exponentformat: "none", separatethousands: true };
  P.axes = (layout) => {
    const out = Object.assign({}, layout);
    ["xaxis", "yaxis", ...Object.keys(out).filter((k) => /^[xy]axis\d+$/.test(k))].forEach((k) => {
      out[k] = Object.assign({}, AXIS_NUMBERS, out[k] || {});
    });
    return out;
  };
  P.draw = (id, traces, layout) => {
    const el = document.getElementById(id);
    if (!el) return Promise.resolve();
    el.innerHTML = "";
    return Plotly.newPlot(el, traces, P.layout(P.axes(layout)), P.config).then(() => el.setAttribute("data-rendered", "1"));
  };
  P.empty = (id, why) => {
    const el = document.getElementById(id);
    if (el) { el.innerHTML = `<p class="muted pad">${why}</p>`; el.setAttribute("data-rendered", "empty"); }
  };
  P.dailyMean = (values) => {
    const out = [];
    for (let d = 0; d < Math.floor(values.length / 24); d++) {
      let s = 0; for (let h = 0; h < 24; h++) s += values[d * 24 + h] || 0; out.push(s / 24);
    }
    return out;
  };
  P.dates = (year, n) => Array.from({ length: n }, (_, d) => new Date(Date.UTC(year, 0, 1 + d)).toISOString().slice(0, 10));
  P.year = (res) => {
    const h = (res.meta && res.meta.inputs && res.meta.inputs.horizon) || {};
    return (h.start_year || 2027) + (h.years || 1) - 1;
  };
  P.hourOfDayMean = (values) => {
    const sums = new Array(24).fill(0), counts = new Array(24).fill(0);
    values.forEach((v, i) => { if (v !== null) { sums[i % 24] += v; counts[i % 24] += 1; } });
    return sums.map((s, h) => (counts[h] ? s / counts[h] : null));
  };
  const find = (obj, re) => Object.keys(obj || {}).filter((k) => re.test(k));
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const HOURS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`);

  // ---- Sankey of annual energy ----------------------------------------------------------------
  function sankey() {
    const b = result.breakdown || {};
    const pick = (re) => find(b, re).filter((k) => !/factor|unit/i.test(k)).reduce((s, k) => s + (num(b[k]) || 0), 0);
    const arith = pick(/arith/i), data = pick(/data.?movement/i), stat = pick(/accelerator.*static|^static/i);
    const over = pick(/serving.?overhead/i);
    const host = pick(/^host/i), net = pick(/^network/i), losses = pick(/loss/i), cooling = pick(/cool/i), aux = pick(/light|aux/i);
    const accel = arith + data + stat + over;
    const it = accel + host + net;
    if (!(it > 0)) return P.empty("chart-sankey", "This result carries no energy breakdown.");
    const nodes = ["Grid meter", "Power-chain losses (UPS, PDU, transformer)", "Cooling", "Lighting and auxiliaries", "IT equipment", "Host (CPU, DRAM, NIC, fans)", "Network", "Accelerators", "Arithmetic", "Data movement", "Static power", "Serving overhead (scheduling, sampling)"];
    const colors = [COLORS.grid, COLORS.losses, COLORS.cooling, COLORS.other, COLORS.it, COLORS.host, COLORS.network, COLORS.accel, COLORS.arith, COLORS.data, COLORS.static, COLORS.other];
    const links = [[0, 1, losses], [0, 2, cooling], [0, 3, aux], [0, 4, it], [4, 5, host], [4, 6, net], [4, 7, accel], [7, 8, arith], [7, 9, data], [7, 10, stat], [7, 11, over]]
      .filter((l) => l[2] > 0);
    const total = losses + cooling + aux + it;
    const mw = (mwh) => mwh / 8760;  // annual energy → mean power over the year's 8,760 hours
    P.draw("chart-sankey", [{
      type: "sankey", orientation: "h", arrangement: "snap", valueformat: ",.3~r", valuesuffix: " MW",
      node: { label: nodes, color: colors, pad: 16, thickness: 18, line: { width: 0 },
        hovertemplate: "%{label}: %{value:,.3~r} MW mean<extra></extra>" },
      link: { source: links.map((l) => l[0]), target: links.map((l) => l[1]), value: links.map((l) => mw(l[2])), color: links.map((l) => colors[l[1]] + "66"),
        customdata: links.map((l) => [(100 * l[2]) / total, l[2]]),
        hovertemplate: "%{target.label}: %{value:,.3~r} MW mean, %{customdata[1]:,.4~r} MWh/yr (%{customdata[0]:.1f} % of the meter)<extra></extra>" },
    }], { margin: { t: 10, r: 10, b: 10, l: 10 } });
  }

  // ---- hourly charts --------------------------------------------------------------------------
  function heatmap(H) {
    const p = H.facility_power_mw;
    if (!p) return P.empty("chart-heatmap", "No hourly facility power in this result.");
    const days = Math.floor(p.length / 24);
    const z = HOURS.map((_, h) => Array.from({ length: days }, (_, d) => p[d * 24 + h]));
    P.draw("chart-heatmap", [{
      type: "heatmap", z, x: P.dates(P.year(result), days), y: HOURS, colorscale: "YlOrRd", reversescale: true,
      colorbar: { title: { text: "MW" }, thickness: 12 }, hovertemplate: "%{x} %{y}<br>%{z:.2f} MW<extra></extra>",
    }], { xaxis: { title: { text: "Day of the year" } }, yaxis: { title: { text: "Hour of day (local)" }, autorange: "reversed", nticks: 8 } });
  }

  function stack(H) {
    const year = P.year(result);
    const parts = [];
    if (H.it_power_mw && H.host_power_mw) {
      const net = H.network_power_mw;
      const accel = H.accelerator_power_mw || H.it_power_mw.map((v, i) => v - H.host_power_mw[i] - (net ? net[i] : 0));
      parts.push({ name: net || H.accelerator_power_mw ? "Accelerators" : "Accelerators and network", y: accel, color: COLORS.accel });
      parts.push({ name: "Host (CPU, DRAM, NIC, fans)", y: H.host_power_mw, color: COLORS.host });
      if (net) parts.push({ name: "Network", y: net, color: COLORS.network });
    } else if (H.it_power_mw) {
      parts.push({ name: "IT", y: H.it_power_mw, color: COLORS.it });
    }
    if (H.power_losses_mw) parts.push({ name: "Power-chain losses", y: H.power_losses_mw, color: COLORS.losses });
    if (H.cooling_power_mw) parts.push({ name: "Cooling", y: H.cooling_power_mw, color: COLORS.cooling });
    if (!parts.length) return P.empty("chart-power", "No hourly power series in this result.");
    const n = Math.floor(parts[0].y.length / 24);
    const x = P.dates(year, n);
    P.draw("chart-power", parts.map((p) => ({
      type: "scatter", mode: "lines", stackgroup: "power", name: p.name, x, y: P.dailyMean(p.y),
      line: { width: 0.5, color: p.color }, fillcolor: p.color + "cc", hovertemplate: `${p.name}: %{y:.3~r} MW<extra>%{x}</extra>`,
    })), { xaxis: { title: { text: "Date (daily mean of hourly power)" } }, yaxis: { title: { text: "Power [MW]" }, rangemode: "tozero" } });
  }

  function pue(H) {
    const t = H.dry_bulb_c, y = H.pue;
    if (!t || !y) return P.empty("chart-pue", "No hourly PUE or temperature in this result.");
    const bins = {};
    t.forEach((temp, i) => {
      if (temp === null || y[i] === null) return;
      const b = Math.round(temp);
      const e = bins[b] || (bins[b] = { s: 0, n: 0, lo: Infinity, hi: -Infinity });
      e.s += y[i]; e.n += 1; e.lo = Math.min(e.lo, y[i]); e.hi = Math.max(e.hi, y[i]);
    });
    const xs = Object.keys(bins).map(Number).sort((a, b) => a - b);
    P.draw("chart-pue", [
      { type: "scatter", mode: "lines", x: xs, y: xs.map((b) => bins[b].hi), line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
      { type: "scatter", mode: "lines", x: xs, y: xs.map((b) => bins[b].lo), fill: "tonexty", fillcolor: "rgba(76,201,240,0.25)", line: { width: 0 }, name: "hourly range" },
      { type: "scatter", mode: "lines+markers", x: xs, y: xs.map((b) => bins[b].s / bins[b].n), name: "mean PUE", line: { color: COLORS.grid }, marker: { size: 4 },
        customdata: xs.map((b) => bins[b].n), hovertemplate: "%{x} °C: PUE %{y:.3f} (%{customdata} h)<extra></extra>" },
    ], { xaxis: { title: { text: "Outdoor dry-bulb temperature [°C]" } }, yaxis: { title: { text: "PUE [facility ÷ IT]" } } });
  }

  function carbon(H) {
    const energy = H.facility_power_mw;  // MW over one hour = MWh
    if (!energy) return P.empty("chart-carbon", "No hourly energy in this result.");
    const c = result.carbon || {};
    const perHour = (intensity) => energy.map((mw, i) => (mw === null || intensity[i] === null ? null : (mw * intensity[i]) / 1000));
    const traces = [];
    let location = null;
    if (H.carbon_intensity_g_per_kwh) {
      location = perHour(H.carbon_intensity_g_per_kwh);
      traces.push({ name: "Location-based (hourly average intensity)", y: P.hourOfDayMean(location), color: COLORS.grid });
    }
    if (H.marginal_carbon_intensity_g_per_kwh) {
      traces.push({ name: "Marginal (short-run marginal rate)", y: P.hourOfDayMean(perHour(H.marginal_carbon_intensity_g_per_kwh)), color: COLORS.losses, dash: "dot" });
    }
    const loc = num(c.location_based_tco2e), mkt = num(c.market_based_tco2e);
    if (location && loc && mkt !== null) {
      const k = mkt / loc;
      traces.push({ name: "Market-based (after contracted clean energy)", y: P.hourOfDayMean(location).map((v) => (v === null ? null : v * k)), color: COLORS.arith, dash: "dash" });
    }
    if (!traces.length) return P.empty("chart-carbon", "No hourly carbon series in this result.");
    P.draw("chart-carbon", traces.map((tr) => ({
      type: "scatter", mode: "lines+markers", x: HOURS, y: tr.y, name: tr.name, marker: { size: 4 },
      line: { color: tr.color, dash: tr.dash || "solid" }, hovertemplate: `%{y:.3~r} tCO2e/h at %{x}<extra>${tr.name}</extra>`,
    })), { xaxis: { title: { text: "Hour of day (local)" }, nticks: 12 }, yaxis: { title: { text: "Emissions [tCO2e per hour]" }, rangemode: "tozero" }, legend: { orientation: "h", y: -0.3 }, margin: { t: 16, r: 16, b: 90, l: 64 } });
  }

  // ---- figures from the summary ---------------------------------------------------------------
  function bill() {
    const b = result.household_bill_usd_per_month;
    let items = [];
    const source = b && typeof b === "object" ? (b.items || b) : null;
    if (Array.isArray(source)) {
      items = source.map((it) => [it.name || it.label || it.item, num(it.usd_per_month ?? it.value ?? it.usd)]);
    } else if (source && typeof source === "object") {
      items = Object.entries(source).filter(([k, v]) => num(v) !== null && !/total|share|pct|frac/i.test(k)).map(([k, v]) => [k.replace(/_usd_per_month$/, "").replace(/_/g, " ").replace(/^./, (ch) => ch.toUpperCase()), v]);
    }
    items = items.filter((it) => it[1] !== null);
    if (!items.length) return P.empty("chart-bill", "This result has no household bill items.");
    const total = items.reduce((s, it) => s + it[1], 0);
    P.draw("chart-bill", [{
      type: "waterfall", orientation: "v", x: [...items.map((it) => it[0]), "Total"], y: [...items.map((it) => it[1]), total],
      measure: [...items.map(() => "relative"), "total"], connector: { line: { color: "#adb5bd" } },
      increasing: { marker: { color: COLORS.losses } }, decreasing: { marker: { color: COLORS.arith } }, totals: { marker: { color: COLORS.grid } },
      texttemplate: "$%{y:.3~r}", textposition: "outside", cliponaxis: false, hovertemplate: "%{x}: $%{y:.3~r} per household per month<extra></extra>",
    }], { showlegend: false, yaxis: { title: { text: "USD per household per month" } }, xaxis: { automargin: true } });
  }

  function pools() {
    const list = Array.isArray(result.pools) ? result.pools : [];
    const series = [
      ["IT equipment (accelerators, host, network)", "it_energy_per_output_token_j", COLORS.accel],
      ["At the meter (with losses and cooling)", "facility_energy_per_output_token_j", COLORS.losses],
    ].filter(([, key]) => list.some((p) => num(p[key]) !== null));
    if (!series.length) return P.empty("chart-pool", "This result has no per-pool energy per token.");
    P.draw("chart-pool", series.map(([name, key, color]) => ({
      type: "bar", name, x: list.map((p) => p.name), y: list.map((p) => num(p[key])), marker: { color },
      texttemplate: "%{y:.3~r} J", textposition: "outside", cliponaxis: false, hovertemplate: `%{x}: %{y:.4~r} J per output token<extra>${name}</extra>`,
    })), { barmode: "group", yaxis: { title: { text: "Energy per output token [J/token]" }, rangemode: "tozero" }, xaxis: { title: { text: "Hardware pool" }, automargin: true } });
  }

  // ---- total cost of ownership by item ------------------------------------------------------------
  const TCO_COLORS = { capital: COLORS.accel, energy: COLORS.losses, grid_charges: COLORS.grid, water: COLORS.cooling, maintenance: COLORS.other, staff: COLORS.host };
  function tco() {
    const t = result.tco;
    if (!t || !Array.isArray(t.lines)) return;
    const cats = Object.keys(TCO_COLORS);
    P.draw("chart-tco", cats.map((cat) => {
      const lines = t.lines.filter((l) => l.category === cat);
      return {
        type: "bar", orientation: "h", name: cat.replace(/_/g, " "), y: lines.map((l) => l.item.replace(/_/g, " ") + (l.assumption ? " *" : "")),
        x: lines.map((l) => l.annual_usd / 1e6), marker: { color: TCO_COLORS[cat] },
        texttemplate: "%{x:.3~g}", textposition: "outside", cliponaxis: false,
        hovertemplate: `%{y}: %{x:.4~g} million USD/yr<extra>${cat}</extra>`,
      };
    }).filter((tr) => tr.y.length), { barmode: "stack", xaxis: { title: { text: "Million USD per year" }, rangemode: "tozero" }, yaxis: { automargin: true, autorange: "reversed" }, margin: { t: 16, r: 48, b: 90, l: 120 } });
  }

  // Each workload's cost per million output tokens in a lever row (its own TCO allocation); null where absent.
  const WORKLOAD_SYMBOLS = ["circle", "square", "triangle-up", "x", "star", "cross", "hexagon", "triangle-down"];
  const WORKLOAD_COLORS = ["#9b2226", "#6a4c93", "#bc6c25", "#0a9396", "#3a5a40", "#ae2012", "#005f73", "#7f5539"];
  const workloadCost = (r, name) => num(((r.usd_per_mtok_by_workload || {})[name] || {}).usd_per_million_output_tokens);
  const workloadNames = (rows) => {
    const names = [];
    rows.forEach((r) => Object.keys(r.usd_per_mtok_by_workload || {}).forEach((n) => { if (!names.includes(n)) names.push(n); }));
    return names;
  };

  // The lever table: each variant's KPIs and each workload's USD per million output tokens, with the
  // change from the plan, so a planner sees which workload a lever helps.
  function leversTable(all) {
    const box = document.getElementById("levers-workloads");
    if (!box) return;
    box.innerHTML = "";
    const names = workloadNames(all);
    const base = all.find((r) => r.lever === "baseline") || {};
    const fixed = (v, d) => (num(v) === null ? "—" : v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
    const change = (v, b) => (num(v) === null || !num(b) || v === b ? "" : `${v > b ? "+" : "−"}${Math.abs((100 * (v - b)) / b).toFixed(1)} %`);
    const table = document.createElement("table");
    table.className = "table small";
    table.id = "levers-table";
    const caption = table.createCaption();
    caption.textContent = "Each variant's key figures and, per workload, its cost per million output tokens [USD/Mtok, all-in TCO]: "
      + "the variant's own TCO allocated to its workloads by device-seconds; in brackets the change from the plan (lower is better).";
    const head = table.createTHead().insertRow();
    ["Variant", "Peak facility power [MW]", "Emissions [tCO2e/yr]", "Cost, all workloads [USD/Mtok output]",
      ...names.map((n) => `Cost, ${n} [USD/Mtok output]`)].forEach((text, i) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = text;
      if (i) th.className = "num";
      head.appendChild(th);
    });
    const body = table.createTBody();
    all.forEach((r) => {
      const tr = body.insertRow();
      tr.dataset.lever = r.lever;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = r.label;
      tr.appendChild(th);
      const cells = [
        [fixed(r.peak_facility_power_mw, 1), ""],
        [fixed(r.tco2e, 0), ""],
        [fixed(r.usd_per_mtok, 3), r.lever === "baseline" ? "" : change(r.usd_per_mtok, base.usd_per_mtok)],
        ...names.map((n) => [fixed(workloadCost(r, n), 3), r.lever === "baseline" ? "" : change(workloadCost(r, n), workloadCost(base, n))]),
      ];
      cells.forEach(([text, delta], i) => {
        const td = tr.insertCell();
        td.className = "num";
        td.textContent = r.error ? "—" : text + (delta ? ` (${delta})` : "");
        if (i >= 3) td.dataset.workload = names[i - 3];
      });
    });
    box.appendChild(table);
  }

  function levers() {
    fetch(root.dataset.leversUrl).then((r) => r.json()).then((data) => {
      leversTable(data.rows || []);
      const rows = (data.rows || []).filter((r) => !r.error);
      if (!rows.length) return P.empty("chart-levers", "No lever variant could be computed.");
      const labels = rows.map((r) => r.label);
      const perWorkload = workloadNames(rows).map((name, i) => ({
        type: "scatter", mode: "markers", name: `Cost, ${name} [USD/Mtok]`, x: labels, y: rows.map((r) => workloadCost(r, name)),
        marker: { color: WORKLOAD_COLORS[i % WORKLOAD_COLORS.length], size: 9, symbol: WORKLOAD_SYMBOLS[i % WORKLOAD_SYMBOLS.length] },
        yaxis: "y3", hovertemplate: `%{x}, ${name.replace(/[<>&%{}]/g, "")}: $%{y:.4~g} per million output tokens<extra></extra>`,
      }));
      P.draw("chart-levers", [
        { type: "bar", name: "Peak facility power [MW]", x: labels, y: rows.map((r) => r.peak_facility_power_mw), marker: { color: COLORS.accel }, texttemplate: "%{y:.3~r}", textposition: "outside", cliponaxis: false, yaxis: "y", offsetgroup: 1,
          error_y: { type: "data", symmetric: false, visible: rows.some((r) => r.band),
            array: rows.map((r) => (r.band ? r.band.p90.peak_facility_power_mw - r.peak_facility_power_mw : 0)),
            arrayminus: rows.map((r) => (r.band ? r.peak_facility_power_mw - r.band.p10.peak_facility_power_mw : 0)) } },
        { type: "bar", name: "Emissions [tCO2e/yr]", x: labels, y: rows.map((r) => r.tco2e), marker: { color: COLORS.losses }, texttemplate: "%{y:,.4~r}", textposition: "outside", cliponaxis: false, yaxis: "y2", offsetgroup: 2 },
        { type: "scatter", mode: "markers+text", name: "Cost [USD/Mtok]", x: labels, y: rows.map((r) => num(r.usd_per_mtok)), marker: { color: COLORS.grid, size: 12, symbol: "diamond" }, text: rows.map((r) => (num(r.usd_per_mtok) === null ? "" : `$${r.usd_per_mtok.toFixed(3)}`)), textposition: "top center", yaxis: "y3", hovertemplate: "%{x}: $%{y:.4~g} per million output tokens<extra></extra>" },
        ...perWorkload,
      ], {
        barmode: "group", yaxis: { title: { text: "Peak facility power [MW]" }, rangemode: "tozero" },
        yaxis2: { title: { text: "Emissions [tCO2e/yr]" }, overlaying: "y", side: "right", rangemode: "tozero", showgrid: false },
        yaxis3: { title: { text: "USD per million output tokens" }, overlaying: "y", side: "right", anchor: "free", position: 1, rangemode: "tozero", showgrid: false },
        xaxis: { domain: [0, 0.86] },
        margin: { t: 16, r: 72, b: 56, l: 64 },
      });
      const notes = document.getElementById("levers-notes");
      notes.innerHTML = "";
      const list = document.createElement("ul");
      (data.rows || []).filter((r) => r.lever !== "baseline").forEach((r) => {
        const li = document.createElement("li");
        li.textContent = `${r.label}: ${r.error ? r.error : r.changes.join("; ")}${r.headline ? ` — ${r.headline}` : ""}`;
        list.appendChild(li);
      });
      notes.appendChild(list);
    }).catch(() => P.empty("chart-levers", "The lever variants could not be loaded."));
  }

  sankey(); bill(); pools(); tco();
  fetch(root.dataset.hourlyUrl).then((r) => r.json()).then((H) => {
    heatmap(H); stack(H); pue(H); carbon(H);
  });
  levers();
})();
