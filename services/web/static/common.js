// Shared by every page: the CSRF-aware JSON helper, the shortcut dispatcher and the help dialog.
// Data never goes through innerHTML: text is set with textContent, values with .value.
"use strict";

const docai = (() => {
  const shortcuts = new Map();

  function csrf() {
    return document.body.dataset.csrf || "";
  }

  function requestId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // POSTs JSON with this session's CSRF token; resolves to {ok, status, body}.
  async function post(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(body || {}),
      });
    } catch (error) {
      return { ok: false, status: 0, body: { message: "The review page cannot be reached. Check your connection." } };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = { message: "Unexpected answer from the server (" + response.status + ")." };
    }
    if (response.status === 401) window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    return { ok: response.ok, status: response.status, body: data };
  }

  function typing(element) {
    if (!element || element === document.body) return false;
    if (element.isContentEditable) return true;
    return ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
  }

  function on(key, handler) {
    shortcuts.set(key, handler);
  }

  function openHelp() {
    const dialog = document.getElementById("help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (document.querySelector("dialog[open]")) return; // dialogs handle their own keys (Esc closes)
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return; // never fire shortcuts while someone is typing
    }
    const handler = shortcuts.get(event.key);
    if (handler) {
      event.preventDefault();
      handler(event);
    }
  });

  on("?", openHelp);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action='help']");
    if (button) openHelp();
  });

  // Goes to the next invoice (skipping `skip`): the server answers with its URL. "n" on the queue
  // claims it; moving on from an invoice (skip, after approving) only opens it: its first edit claims it.
  async function next(skip, options) {
    const claim = !(options && options.claim === false);
    const result = await post("/api/next", { skip: skip || "", claim });
    if (result.ok && result.body.url) {
      window.location.assign(result.body.url);
      return result;
    }
    return result;
  }

  return { post, on, next, requestId, typing };
})();
