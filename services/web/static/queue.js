// The queue: whole rows are links, and "n" claims the next invoice.
"use strict";

(() => {
  const rows = document.querySelectorAll("tr[data-href]");
  rows.forEach((row) => {
    row.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, select")) return;
      window.location.assign(row.dataset.href);
    });
  });

  // Coming back to the queue (the back button after an approval, another tab): show it as it is now,
  // not as the browser kept it.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });
  let hiddenSince = 0;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") hiddenSince = Date.now();
    else if (hiddenSince && Date.now() - hiddenSince > 2000) window.location.reload();
  });

  // Documents still in processing and nothing to review: look again when they should be done.
  const pending = document.querySelector("[data-refresh-after]");
  if (pending) {
    const seconds = Math.min(30, Math.max(5, Number(pending.dataset.refreshAfter) || 10));
    window.setTimeout(() => window.location.reload(), seconds * 1000);
  }

  const form = document.getElementById("next-form");
  docai.on("n", () => {
    const button = form && form.querySelector("button");
    if (!button || button.disabled) return;
    button.disabled = true;
    button.textContent = "Opening…";
    docai.next("").then((result) => {
      if (!result.ok) form.submit();
    });
  });
})();
