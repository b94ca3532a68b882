// New-study page: a small form builder per kind that writes the same JSON definition the
// "advanced" box holds (and reads it back when the box is edited). Keys the builder does not show
// (shares, max_devices_by_accelerator, seed, …) are kept as they are in the JSON.
(function () {
  "use strict";
  const area = document.getElementById("id_definition");
  const root = document.getElementById("study-builder");
  if (!area || !root) return;
  const meta = JSON.parse(document.getElementById("study-builder-meta").textContent);
  const DIST_FIELDS = {
    uniform: ["low", "high"],
    triangular: ["low", "mode", "high"],
    normal: ["mean", "sd", "low", "high"],
    lognormal: ["median", "sigma", "low", "high"],
  };
  let state = {};

  const kind = () => (document.querySelector("input[name=kind]:checked") || { value: "sweep" }).value;
  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k === "checked") node.checked = Boolean(v);
      else if (k === "value") node.value = v;
      else node.setAttribute(k, v);
    });
    children.forEach((child) => node.appendChild(child));
    return node;
  };
  const parseValue = (text) => {
    const t = text.trim();
    if (t === "true" || t === "false") return t === "true";
    return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(t) ? Number(t) : t;
  };
  const parseList = (text) => text.split(",").map((s) => s.trim()).filter((s) => s !== "").map(parseValue);
  const showList = (values) => (Array.isArray(values) ? values.map(String).join(", ") : "");
  const select = (options, value, attrs = {}) => {
    const node = el("select", attrs);
    options.forEach(([v, label]) => node.appendChild(el("option", { value: v, text: label })));
    if (value !== undefined && value !== null) node.value = value;
    return node;
  };
  const kpiOptions = Object.entries(meta.kpis).map(([name, label]) => [name, `${name} — ${label}`]);
  const removeButton = () => el("button", { type: "button", class: "secondary b-remove", text: "remove", "aria-label": "remove this row" });

  function pairRows(id, caption, headers, entries, makeRow, addLabel, addId) {
    const body = el("tbody");
    entries.forEach((entry) => body.appendChild(makeRow(entry)));
    const table = el("table", { class: "list compact", id }, [
      el("caption", { class: "muted small", text: caption }),
      el("thead", {}, [el("tr", {}, [...headers.map((h) => el("th", { scope: "col", text: h })), el("th")])]),
      body,
    ]);
    const add = el("button", { type: "button", class: "secondary", id: addId, text: addLabel });
    add.addEventListener("click", () => { body.appendChild(makeRow(null)); sync(); body.lastElementChild.querySelector("input, select").focus(); });
    return el("div", { class: "b-block" }, [table, add]);
  }

  // ---- sweep: field path + comma-separated values --------------------------------------------
  const varyRow = (entry) => el("tr", {}, [
    el("td", {}, [el("input", { type: "text", class: "b-path", "aria-label": "field path", placeholder: "hardware[0].weight_precision", value: entry ? entry[0] : "" })]),
    el("td", {}, [el("input", { type: "text", class: "b-values", "aria-label": "values, comma-separated", placeholder: "bf16, fp8", value: entry ? showList(entry[1]) : "" })]),
    el("td", {}, [removeButton()]),
  ]);

  // ---- uncertainty: parameter + mode + distribution + bounds + source ------------------------
  function distInputs(cell, distKind, distribution) {
    cell.replaceChildren(...DIST_FIELDS[distKind].map((field) => el("label", { class: "b-bound" }, [
      document.createTextNode(`${field} `),
      el("input", { type: "number", step: "any", "data-field": field, class: `b-bound-${field}`, "aria-label": field, value: distribution && distribution[field] !== undefined ? distribution[field] : "" }),
    ])));
  }
  function inputRow(entry) {
    const distribution = (entry && entry.distribution) || { kind: "uniform" };
    const kindSelect = select(Object.keys(DIST_FIELDS).map((k) => [k, k]), distribution.kind, { class: "b-dist", "aria-label": "distribution" });
    const bounds = el("td", { class: "b-bounds" });
    distInputs(bounds, kindSelect.value, distribution);
    kindSelect.addEventListener("change", () => { distInputs(bounds, kindSelect.value, null); sync(); });
    return el("tr", {}, [
      el("td", {}, [el("input", { type: "text", class: "b-parameter", list: "b-parameters", "aria-label": "parameter", placeholder: "carbon_intensity", value: entry ? entry.parameter : "" })]),
      el("td", {}, [select([["absolute", "absolute"], ["relative", "relative (× base)"]], entry ? entry.mode || "absolute" : "absolute", { class: "b-input-mode", "aria-label": "mode" })]),
      el("td", {}, [kindSelect]),
      bounds,
      el("td", {}, [el("input", { type: "text", class: "b-source", "aria-label": "source", placeholder: "where the distribution comes from", value: entry ? entry.source || "" : "" })]),
      el("td", {}, [removeButton()]),
    ]);
  }

  // ---- optimisation: choices, objective, limits ----------------------------------------------
  const choiceRow = (entry) => el("tr", {}, [
    el("td", {}, [el("input", { type: "text", class: "b-path", "aria-label": "field path", placeholder: "site.cooling", value: entry ? entry[0] : "" })]),
    el("td", {}, [el("input", { type: "text", class: "b-values", "aria-label": "options, comma-separated", placeholder: "evaporative, immersion", value: entry ? showList(entry[1]) : "" })]),
    el("td", {}, [removeButton()]),
  ]);
  const limitRow = (entry) => el("tr", {}, [
    el("td", {}, [select(kpiOptions, entry ? entry[0] : "peak_facility_power_mw", { class: "b-kpi", "aria-label": "limited KPI" })]),
    el("td", {}, [el("input", { type: "number", step: "any", class: "b-max", "aria-label": "maximum", value: entry ? entry[1] : "" })]),
    el("td", {}, [removeButton()]),
  ]);

  function render() {
    const k = kind();
    const parts = [];
    if (k === "sweep") {
      parts.push(pairRows("builder-vary", "Every combination of these values is one point (first field varies slowest).", ["Field path", "Values (comma-separated)"], Object.entries(state.vary || {}), varyRow, "+ field", "add-vary"));
    } else if (k === "uncertainty") {
      parts.push(el("p", { class: "inline-form" }, [
        el("label", {}, [document.createTextNode("Samples "), el("input", { type: "number", id: "b-samples", min: "4", value: state.samples || 64 })]),
        el("label", {}, [document.createTextNode("Method "), select([["sobol", "Sobol' (power of 2)"], ["lhs", "Latin hypercube"]], state.method || "sobol", { id: "b-method" })]),
        el("label", {}, [el("input", { type: "checkbox", id: "b-sensitivity", checked: state.sensitivity }), document.createTextNode(" Sobol indices (samples × (inputs + 2) points)")]),
      ]));
      const datalist = el("datalist", { id: "b-parameters" }, Object.entries(meta.parameters).map(([name, unit]) => el("option", { value: name, text: unit })));
      parts.push(datalist);
      parts.push(pairRows("builder-inputs", "Uncertain inputs: a named parameter or a field path, its distribution (bounded) and where it comes from.", ["Parameter", "Mode", "Distribution", "Bounds", "Source"], state.inputs || [], inputRow, "+ input", "add-input"));
    } else {
      parts.push(pairRows("builder-choices", "Candidates: every combination of these options.", ["Field path", "Options (comma-separated)"], Object.entries(state.choices || {}), choiceRow, "+ choice", "add-choice"));
      parts.push(el("p", {}, [el("label", {}, [document.createTextNode("Objective (minimise) "), select(kpiOptions, state.objective || "annual_facility_energy_mwh", { id: "b-objective" })])]));
      parts.push(pairRows("builder-limits", "Limits: each KPI at or under its maximum (site power cap at the meter = peak_facility_power_mw).", ["KPI", "Maximum"], Object.entries(state.limits || {}), limitRow, "+ limit", "add-limit"));
    }
    root.replaceChildren(...parts);
  }

  function readPairs(tableId, valueOf) {
    const out = {};
    root.querySelectorAll(`#${tableId} tbody tr`).forEach((row) => {
      const key = row.querySelector(".b-path, .b-kpi").value.trim();
      if (key) out[key] = valueOf(row);
    });
    return out;
  }

  function sync() {
    const k = kind();
    const next = { ...state, kind: k };
    if (k === "sweep") {
      next.vary = readPairs("builder-vary", (row) => parseList(row.querySelector(".b-values").value));
    } else if (k === "uncertainty") {
      next.samples = Number(root.querySelector("#b-samples").value);
      next.method = root.querySelector("#b-method").value;
      next.sensitivity = root.querySelector("#b-sensitivity").checked;
      next.inputs = [];
      root.querySelectorAll("#builder-inputs tbody tr").forEach((row) => {
        const parameter = row.querySelector(".b-parameter").value.trim();
        if (!parameter) return;
        const distribution = { kind: row.querySelector(".b-dist").value };
        row.querySelectorAll(".b-bounds input").forEach((input) => {
          if (input.value !== "") distribution[input.dataset.field] = Number(input.value);
        });
        const item = { parameter, mode: row.querySelector(".b-input-mode").value, distribution };
        const source = row.querySelector(".b-source").value.trim();
        if (source) item.source = source;
        next.inputs.push(item);
      });
    } else {
      next.choices = readPairs("builder-choices", (row) => parseList(row.querySelector(".b-values").value));
      next.objective = root.querySelector("#b-objective").value;
      next.limits = readPairs("builder-limits", (row) => Number(row.querySelector(".b-max").value));
    }
    state = next;
    area.value = JSON.stringify(state, null, 2);
  }

  function loadFromArea() {
    const note = document.getElementById("builder-note");
    try {
      const parsed = JSON.parse(area.value);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      state = parsed;
      note.textContent = "";
      note.hidden = true;
      render();
    } catch (error) {
      note.hidden = false;
      note.textContent = "The JSON below is not valid, so the form cannot show it; fix it there (the server names each problem).";
    }
  }

  root.addEventListener("input", sync);
  root.addEventListener("change", sync);
  root.addEventListener("click", (event) => {
    if (event.target.classList.contains("b-remove")) { event.target.closest("tr").remove(); sync(); }
  });
  area.addEventListener("change", loadFromArea);
  document.querySelectorAll("input[name=kind]").forEach((radio) => {
    radio.addEventListener("change", () => {
      state = JSON.parse(JSON.stringify(meta.templates[radio.value]));
      area.value = JSON.stringify(state, null, 2);
      render();
    });
  });
  loadFromArea();
})();
