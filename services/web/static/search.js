// The search page: "Re-open" asks for the reason in a dialog and posts the form (without
// JavaScript the link opens the invoice's page, whose form does the same).
"use strict";

(() => {
  const dialog = document.getElementById("reopen-dialog");
  if (!dialog) return;
  const form = document.getElementById("reopen-form");
  const label = document.getElementById("reopen-label");
  const reason = document.getElementById("reopen-reason");

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-reopen]");
    if (link) {
      event.preventDefault();
      form.action = "/documents/" + encodeURIComponent(link.dataset.reopen) + "/reopen";
      label.textContent = link.dataset.label || "";
      reason.value = "";
      dialog.showModal();
      reason.focus();
      return;
    }
    if (event.target.closest("[data-close]")) dialog.close();
  });
})();
