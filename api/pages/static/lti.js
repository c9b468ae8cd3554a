// LTI platform storage (IMS LTI Client Side postMessages): where the browser drops the
// tool's cookies inside the LMS's iframe, the launch's nonce is kept in the LMS's window
// instead. The login page puts it there before going on to the LMS; the launch page
// reads it back and completes the launch only when it matches.
"use strict";

const ANSWER_MS = 3000;

function storageFrame(target) {
  if (window.parent === window) return null;  // not in the LMS's iframe
  if (target === "_parent") return window.parent;
  try { return window.parent.frames[target] || null; } catch (err) { return null; }
}

function ask(cfg, message) {
  return new Promise((resolve, reject) => {
    const frame = storageFrame(cfg.target);
    if (!frame) { reject(new Error("no platform storage here")); return; }
    const id = `mlgrader-${Math.random().toString(36).slice(2)}`;
    const timer = window.setTimeout(() => { stop(); reject(new Error("no answer")); }, ANSWER_MS);
    const listen = (event) => {
      const data = event.data || {};
      if (event.origin !== cfg.origin || data.message_id !== id) return;
      stop();
      if (data.error) reject(new Error(data.error.message || data.error.code));
      else resolve(data);
    };
    const stop = () => { window.clearTimeout(timer); window.removeEventListener("message", listen); };
    window.addEventListener("message", listen);
    frame.postMessage({ ...message, message_id: id }, cfg.origin);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const config = document.getElementById("lti-config");
  if (!config) return;
  const cfg = JSON.parse(config.textContent);
  const status = document.querySelector("[data-lti-status]");
  const complete = document.querySelector("form[data-lti-complete]");
  if (!complete) {  // the login: keep the nonce (best effort), then on to the LMS
    const go = () => window.location.replace(cfg.go);
    ask(cfg, { subject: "lti.put_data", key: cfg.key, value: cfg.value }).then(go, go);
    return;
  }
  ask(cfg, { subject: "lti.get_data", key: cfg.key }).then((answer) => {
    if (answer.value === cfg.value) complete.submit();
    else status.textContent = "This launch did not begin in this browser: open the tool again from your course.";
  }, (err) => {
    status.textContent = `Your course's page did not answer (${err.message}): open the tool again from your course.`;
  });
});
