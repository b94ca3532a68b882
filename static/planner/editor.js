// Scenario editor: add/remove formset rows, the live 24-hour daily-shape curve, and showing
// only the fields that apply (custom JSON, share or count, unstructured sparsity).
(function () {
  "use strict";
  const editor = document.getElementById("scenario-editor");
  if (!editor) return;
  const shapes = JSON.parse(document.getElementById("shapes-data").textContent);
  const demandUploads = JSON.parse(document.getElementById("demand-uploads-data").textContent || "[]");
  const SVG = "http://www.w3.org/2000/svg";

  // ---- formsets -----------------------------------------------------------------------------
  editor.querySelectorAll("[data-add]").forEach((button) => {
    button.addEventListener("click", () => {
      const prefix = button.dataset.add;
      const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
      const template = document.getElementById(`${prefix}-template`);
      const index = Number(total.value);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const item = holder.firstElementChild;
      document.getElementById(`${prefix}-forms`).appendChild(item);
      total.value = String(index + 1);
      wire(item);
      const first = item.querySelector("input[type=text], input:not([type=hidden]), select");
      if (first) first.focus();
    });
  });

  // ---- daily shape --------------------------------------------------------------------------
  function hourInputs(item, day) {
    return Array.from({ length: 24 }, (_, h) => item.querySelector(`input[name$="-${day}_${h}"]`));
  }
  function curve(item, day) {
    return hourInputs(item, day).map((el) => {
      const v = el ? parseFloat(el.value) : NaN;
      return Number.isFinite(v) ? v : 0;
    });
  }
  function drawShape(item) {
    const svg = item.querySelector("[data-shape-plot]");
    if (!svg) return;
    while (svg.lastChild && svg.lastChild.tagName !== "title") svg.removeChild(svg.lastChild);
    const w = 480, h = 120, left = 30, bottom = 18, top = 8;
    const x = (i) => left + (i * (w - left - 6)) / 23;
    const y = (v) => top + (1 - Math.max(0, Math.min(1, v))) * (h - top - bottom);
    const add = (tag, attrs, text) => {
      const el = document.createElementNS(SVG, tag);
      Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v));
      if (text !== undefined) el.textContent = text;
      svg.appendChild(el);
      return el;
    };
    [0, 0.5, 1].forEach((v) => {
      add("line", { x1: left, x2: w - 6, y1: y(v), y2: y(v), class: "grid-line" });
      add("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "tick" }, v.toFixed(1));
    });
    [0, 6, 12, 18, 23].forEach((i) => add("text", { x: x(i), y: h - 4, "text-anchor": "middle", class: "tick" }, `${String(i).padStart(2, "0")}h`));
    [["wd", "weekday"], ["we", "weekend"]].forEach(([day, cls]) => {
      const pts = curve(item, day).map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      add("polyline", { points: pts, class: `line-${cls}` });
    });
    add("text", { x: w - 8, y: 14, "text-anchor": "end", class: "legend" }, "— weekday   - - weekend");
  }
  function fillShape(item, weekday, weekend) {
    hourInputs(item, "wd").forEach((el, i) => { if (el) el.value = weekday[i]; });
    hourInputs(item, "we").forEach((el, i) => { if (el) el.value = weekend[i]; });
    drawShape(item);
  }

  // ---- per-item wiring ----------------------------------------------------------------------
  function toggle(field, show) {
    const box = field && field.closest(".field");
    if (box) box.hidden = !show;
  }
  function byName(item, suffix) {
    return item.querySelector(`[name$="-${suffix}"]`);
  }
  function wire(item) {
    const nameInput = byName(item, "name");
    const title = item.querySelector(".item-name");
    if (nameInput && title) nameInput.addEventListener("input", () => { title.textContent = nameInput.value || "(new)"; });

    if (item.dataset.kind === "workload") {
      const select = byName(item, "daily_shape");
      const model = byName(item, "model");
      const basis = byName(item, "rate_basis");
      const rate = byName(item, "rate");
      select.addEventListener("change", () => {
        const shape = shapes[select.value];
        if (shape) fillShape(item, shape.weekday, shape.weekend);
      });
      item.querySelectorAll("input.hour").forEach((el) => el.addEventListener("input", () => {
        select.value = "custom";
        drawShape(item);
      }));
      const fromUpload = item.querySelector("[data-shape-upload]");
      if (fromUpload) fromUpload.addEventListener("change", () => {
        const upload = demandUploads.find((u) => String(u.id) === fromUpload.value);
        if (upload && upload.shape) {
          fillShape(item, upload.shape.weekday, upload.shape.weekend);
          select.value = "custom";
          item.querySelector(".shape-table").open = true;
        }
      });
      const details = item.querySelector(".custom-json");
      const syncModel = () => { if (model.value === "__custom__") details.open = true; };
      model.addEventListener("change", syncModel);
      const rateLabel = rate && item.querySelector(`label[for="${rate.id}"]`);
      const syncRate = () => {
        if (rateLabel) rateLabel.textContent = basis.value === "per_day" ? "Request rate [requests/day]" : "Peak request rate [requests/s]";
      };
      basis.addEventListener("change", syncRate);
      syncRate();
      // A new workload starts with its selected named shape's 24-hour values.
      if (hourInputs(item, "wd").every((el) => el && el.value === "") && shapes[select.value]) {
        fillShape(item, shapes[select.value].weekday, shapes[select.value].weekend);
      }
      drawShape(item);
    } else {
      const sizing = byName(item, "sizing");
      const share = byName(item, "share_frac");
      const count = byName(item, "count");
      const sparsity = byName(item, "sparsity_kind");
      const frac = byName(item, "sparsity_frac");
      const accelerator = byName(item, "accelerator");
      const details = item.querySelector(".custom-json");
      const sync = () => {
        toggle(share, sizing.value !== "count");
        toggle(count, sizing.value === "count");
        toggle(frac, sparsity.value === "unstructured");
      };
      sizing.addEventListener("change", sync);
      sparsity.addEventListener("change", sync);
      accelerator.addEventListener("change", () => { if (accelerator.value === "__custom__") details.open = true; });
      sync();
    }
  }
  editor.querySelectorAll(".formset-item").forEach(wire);

  // ---- grid region: show the selected region's defaults next to the override inputs ----------
  const regions = JSON.parse(document.getElementById("regions-data").textContent || "{}");
  const region = document.getElementById("id_grid__region");
  if (region) region.addEventListener("change", () => {
    const defaults = regions[region.value] || {};
    editor.querySelectorAll("[data-override]").forEach((input) => {
      const value = defaults[input.dataset.override];
      input.placeholder = value === undefined ? "" : String(value);
      const help = document.getElementById(`${input.id}_helptext`);
      if (help) help.textContent = value === undefined ? "No default in this region" : `Region default ${value.toLocaleString("en-US", { maximumSignificantDigits: 6 })}`;
    });
  });

  // The error summary's links: open what hides the field, bring the field (with its message) to the
  // middle of the window, clear of the sticky save bar, then focus it.
  function reveal(target) {
    for (let box = target.closest("details"); box; box = box.parentElement.closest("details")) box.open = true;
    const field = target.closest(".field") || target;
    field.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.querySelectorAll("a[href^='#']").forEach((link) => link.addEventListener("click", (event) => {
      const target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      reveal(target);
    }));
    summary.focus();
  }
})();
