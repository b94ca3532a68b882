// Site comparison form: the users section as rows (add / remove workloads and metros), or as JSON.
(function () {
  "use strict";
  const section = document.getElementById("users-section");
  if (!section) return;
  const blocks = document.getElementById("users-blocks");
  const fill = (id, values) => document.getElementById(id).innerHTML.replace(/__w__/g, values.w).replace(/__m__/g, values.m);
  let next = blocks.querySelectorAll(".users-block").length;
  const nextRow = (tbody) => Math.max(-1, ...[...tbody.querySelectorAll(".users-metro")].map((tr) => Number(tr.id.split("-").pop()))) + 1;
  const addRow = (w) => {
    const tbody = document.getElementById(`users-${w}-metros`);
    tbody.insertAdjacentHTML("beforeend", fill("users-metro-template", { w: String(w), m: String(nextRow(tbody)) }));
  };
  const addBlock = () => {
    const w = next++;
    blocks.insertAdjacentHTML("beforeend", fill("users-block-template", { w: String(w), m: "0" }));
    addRow(w);
    document.getElementById(`users-${w}-workload`).focus();
  };
  section.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-add-users")) addBlock();
    else if (button.dataset.addMetro !== undefined) addRow(button.dataset.addMetro);
    else if (button.dataset.removeBlock !== undefined) document.getElementById(`users-${button.dataset.removeBlock}`).remove();
    else if (button.hasAttribute("data-remove-row")) button.closest("tr").remove();
  });
  // Rows → JSON when switching to the advanced box (if it is still empty), so nothing typed is lost.
  const toJson = () => [...blocks.querySelectorAll(".users-block")].map((block) => {
    const w = block.dataset.index;
    const item = { workload: document.getElementById(`users-${w}-workload`).value.trim(),
      interactive: document.getElementById(`users-${w}-kind`).value !== "deferrable", metros: {} };
    const budget = document.getElementById(`users-${w}-rtt_budget_ms`).value.trim();
    if (budget) item.rtt_budget_ms = Number(budget);
    block.querySelectorAll(".users-metro").forEach((tr) => {
      const slug = tr.querySelector("select").value;
      if (slug) item.metros[slug] = Number(tr.querySelector("input").value);
    });
    return item;
  }).filter((item) => item.workload);
  const show = () => {
    const mode = section.querySelector('input[name="users_mode"]:checked').value;
    section.querySelectorAll("[data-mode]").forEach((el) => { el.hidden = el.dataset.mode !== mode; });
    const box = document.getElementById("users");
    if (mode === "json" && !box.value.trim().replace(/^\[\]$/, "")) box.value = JSON.stringify(toJson(), null, 2);
  };
  section.querySelectorAll('input[name="users_mode"]').forEach((radio) => radio.addEventListener("change", show));
  show();
})();
