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
