// mlgrader pages: the little scripting they use. Everything works without it (forms post,
// pages refresh themselves through <noscript> meta refresh); with it, status updates live
// and files can be dropped on the upload form.
"use strict";

const POLL_MS = 1500;

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

// A submission: show queued/running (and the queue position); reload when it is final.
function followSubmission(el) {
  if (el.dataset.final === "true") return;
  const text = el.querySelector("[data-status-text]");
  const position = el.querySelector("[data-position]");
  const tick = async () => {
    try {
      const s = await getJson(el.dataset.poll);
      if (s.final) { window.location.reload(); return; }
      el.dataset.status = s.status;
      text.textContent = s.status;
      position.textContent = s.position ? `, number ${s.position} in the queue` : "";
    } catch (err) { /* a missed poll: try again */ }
    window.setTimeout(tick, POLL_MS);
  };
  window.setTimeout(tick, POLL_MS);
}

// A regrade: move the bar; reload when done so the tables show the new scores.
function followRegrade(bar) {
  if (bar.dataset.done === "true") return;
  const text = document.querySelector("[data-progress-text]");
  const tick = async () => {
    try {
      const p = await getJson(bar.dataset.poll);
      const finished = p.graded + p.failed;
      bar.max = Math.max(p.total, 1);
      bar.value = p.total ? finished : 1;
      text.textContent = `${finished} of ${p.total} graded` + (p.failed ? ` (${p.failed} failed)` : "");
      if (p.done) { window.location.reload(); return; }
    } catch (err) { /* a missed poll: try again */ }
    window.setTimeout(tick, POLL_MS);
  };
  window.setTimeout(tick, POLL_MS);
}

// Drag and drop onto the upload form fills its file input.
function dropZone(form) {
  const input = form.querySelector("input[type=file]");
  const chosen = form.querySelector("[data-chosen]");
  const show = () => {
    const names = Array.from(input.files, (f) => f.name);
    chosen.textContent = names.length ? `Chosen: ${names.join(", ")}` : "";
  };
  form.addEventListener("dragover", (e) => { e.preventDefault(); form.classList.add("over"); });
  form.addEventListener("dragleave", () => form.classList.remove("over"));
  form.addEventListener("drop", (e) => {
    e.preventDefault();
    form.classList.remove("over");
    input.files = e.dataTransfer.files;
    show();
  });
  input.addEventListener("change", show);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-testid=submission-status][data-poll]").forEach(followSubmission);
  document.querySelectorAll("[data-testid=regrade-progress][data-poll]").forEach(followRegrade);
  document.querySelectorAll("form[data-dropzone]").forEach(dropZone);
  // A form that only carries a message on to the LMS (deep linking) sends itself.
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
});
