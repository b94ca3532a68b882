// A form larger than the server accepts (body data-max-post-bytes, Django's DATA_UPLOAD_MAX_MEMORY_SIZE)
// is not sent: the error goes to the top of the form, the largest field is named and focused, and
// everything typed stays in the page (issue 20, item 11). The server answers such a post with a 413
// page too (planner/request_limits.py), for browsers without this script.
(function () {
  "use strict";
  const limit = Number(document.body.dataset.maxPostBytes || 0);
  if (!limit) return;
  const encoder = new TextEncoder();

  function fieldLabel(form, name) {
    const input = form.elements.namedItem(name);
    const element = input && input.length === undefined ? input : null;
    const label = element && element.id ? form.querySelector(`label[for="${CSS.escape(element.id)}"]`) : null;
    return { element, text: label ? label.textContent.trim() : name };
  }

  function measure(form, submitter) {
    const data = new FormData(form, submitter || undefined);
    const multipart = (form.enctype || "").toLowerCase() === "multipart/form-data";
    let total = 0;
    let largest = { name: "", bytes: 0 };
    for (const [name, value] of data.entries()) {
      if (typeof value !== "string") continue; // files do not count towards this limit
      const bytes = multipart
        ? encoder.encode(value).length
        : new URLSearchParams([[name, value]]).toString().length + 1;
      total += bytes;
      if (bytes > largest.bytes) largest = { name, bytes };
    }
    return { total, largest };
  }

  function show(form, size) {
    let box = form.querySelector(".form-too-large");
    if (!box) {
      box = document.createElement("div");
      box.className = "error summary form-too-large";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      form.prepend(box);
    }
    const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
    const field = fieldLabel(form, size.largest.name);
    box.textContent =
      `Not sent: this form is ${mb(size.total)} MB and the limit is ${mb(limit)} MB ` +
      `(${limit.toLocaleString("en")} bytes). The largest field is “${field.text}” ` +
      `(${mb(size.largest.bytes)} MB): shorten it, or send long data as an hourly upload or through the API. ` +
      "Nothing you typed was lost.";
    box.focus();
    if (field.element && typeof field.element.focus === "function") field.element.focus({ preventScroll: true });
  }

  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") return;
      const size = measure(form, event.submitter);
      if (size.total <= limit) {
        const old = form.querySelector(".form-too-large");
        if (old) old.remove();
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      show(form, size);
    },
    true,
  );
})();
