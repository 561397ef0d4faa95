// One invoice: page image with boxes (zoom, pan, pick a word), editable fields, line items and tax
// breakdown, live checks, save/approve/reject/skip. Opening an invoice does not claim it: the first
// edit (or "c") does. Everything the document says is attacker-controlled: it is only ever set with
// .value / .textContent.
"use strict";

(() => {
  const body = document.body;
  const taskId = body.dataset.taskId;
  const docId = body.dataset.docId;
  const dpi = Number(body.dataset.dpi) || 130;
  const canApprove = body.dataset.canApprove === "1";
  const state = {
    etag: body.dataset.etag,
    mine: body.dataset.mine === "1",
    status: body.dataset.state,
    page: 1,
    busy: false,
    warnedDiscard: false,
    itemsOriginal: "",
    taxesOriginal: "",
    claiming: null, // the claim in flight, so edits, saves and approvals wait for the same one
    zoom: 1,
    hd: false,
    words: null, // {page, width, height, words: [[text, x0, top, x1, bottom], ...]}
  };
  // Open and not ours: editable, and the first edit claims it.
  const claimable = () => !state.mine && state.status === "open";
  const TOLERANCE = 0.02;

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const pageEl = $("#page");
  const wrapEl = $("#page-wrap");
  const img = $("#page-img");
  const taxesBody = $("#taxes-body");
  const boxesEl = $("#boxes");
  const itemsBody = $("#items-body");
  const checksEl = $("#checks");
  const saveButton = $("#save-btn");

  // ---------------------------------------------------------------- messages

  function say(text, kind, options) {
    const box = $("#message");
    $("#message-text").textContent = text;
    box.className = "message message-" + (kind || "info");
    box.hidden = !text;
    $("#reload-btn").hidden = !(options && options.reload);
  }

  function sayError(result) {
    const error = (result.body && result.body.error) || "";
    const message = (result.body && result.body.message) || "Something went wrong.";
    say(message, "bad", { reload: error === "STALE_ETAG" || error === "TASK_NOT_CLAIMED" || error === "LEASE_HELD" });
    if (result.body && result.body.field) {
      const input = $(`[data-field="${CSS.escape(result.body.field)}"]`);
      if (input) {
        input.classList.add("invalid");
        input.focus();
      }
    }
  }

  // ---------------------------------------------------------------- numbers

  // Reads an amount as people type it: "1,234.56", "1.234,56", "1234.56", "-12".
  function parseAmount(text) {
    let s = String(text || "").trim().replace(/[\s\u00a0'’]/g, "");
    s = s.replace(/[^0-9.,+-]/g, "");
    if (!s) return null;
    const dot = s.lastIndexOf(".");
    const comma = s.lastIndexOf(",");
    if (dot >= 0 && comma >= 0) {
      s = comma > dot ? s.replace(/\./g, "").replace(",", ".") : s.replace(/,/g, "");
    } else if (comma >= 0) {
      const decimals = s.length - comma - 1;
      s = (s.match(/,/g) || []).length === 1 && decimals !== 3 ? s.replace(",", ".") : s.replace(/,/g, "");
    } else if ((s.match(/\./g) || []).length > 1) {
      s = s.replace(/\./g, "");
    }
    const value = Number(s);
    return Number.isFinite(value) ? value : NaN;
  }

  function decimals(text) {
    const s = String(text || "").trim();
    const match = s.match(/[.,](\d+)$/);
    return match ? match[1].length : 0;
  }

  const fmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const money = (v) => fmt.format(v);

  // ---------------------------------------------------------------- reading the form

  function fieldInput(name) {
    return $(`[data-field="${name}"]`);
  }

  function itemRows() {
    return $$("tr.item", itemsBody).map((tr) => {
      const cells = {};
      $$("[data-item-field]", tr).forEach((input) => {
        cells[input.dataset.itemField] = input;
      });
      return cells;
    });
  }

  function itemValues() {
    return itemRows()
      .map((cells) => {
        const row = {};
        Object.entries(cells).forEach(([key, input]) => {
          if (input.value.trim()) row[key] = input.value.trim();
        });
        return row;
      })
      .filter((row) => Object.keys(row).length > 0);
  }

  function taxRows() {
    return $$("tr.tax", taxesBody).map((tr) => {
      const cells = {};
      $$("[data-tax-field]", tr).forEach((input) => {
        cells[input.dataset.taxField] = input;
      });
      return cells;
    });
  }

  function taxValues() {
    return taxRows()
      .map((cells) => {
        const row = {};
        Object.entries(cells).forEach(([key, input]) => {
          if (input.value.trim()) row[key] = input.value.trim();
        });
        return row;
      })
      .filter((row) => Object.keys(row).length > 0);
  }

  function taxesDirty() {
    return JSON.stringify(taxValues()) !== state.taxesOriginal;
  }

  function dirtyFields() {
    const changed = {};
    $$("[data-field]").forEach((input) => {
      if (input.value.trim() !== input.dataset.original.trim()) changed[input.dataset.field] = input.value.trim();
    });
    return changed;
  }

  function itemsDirty() {
    return JSON.stringify(itemValues()) !== state.itemsOriginal;
  }

  function routeValues() {
    const route = {};
    $$("[data-route]").forEach((input) => {
      route[input.dataset.route] = input.value.trim();
    });
    return route;
  }

  function routeDirty() {
    return $$("[data-route]").some((input) => input.value.trim() !== input.dataset.original.trim());
  }

  function isDirty() {
    return Object.keys(dirtyFields()).length > 0 || itemsDirty() || taxesDirty() || routeDirty();
  }

  function refreshDirty() {
    const dirty = isDirty();
    saveButton.disabled = !dirty || !(state.mine || claimable());
    $$("[data-field], [data-route], [data-item-field], [data-tax-field]").forEach((input) => {
      input.classList.toggle("edited", input.value.trim() !== (input.dataset.original || "").trim());
    });
    state.warnedDiscard = false;
    return dirty;
  }

  // ---------------------------------------------------------------- live checks

  function result(name, passed, detail, inputs) {
    return { name, passed, detail, inputs };
  }

  function liveChecks() {
    const results = [];
    const value = (name) => {
      const input = fieldInput(name);
      return input && input.value.trim() ? input.value.trim() : null;
    };
    const net = value("total_net");
    const tax = value("total_tax");
    const gross = value("total_gross");
    const rows = itemRows().filter((cells) => Object.values(cells).some((i) => i.value.trim()));

    if (net !== null && tax !== null && gross !== null) {
      const [n, t, g] = [parseAmount(net), parseAmount(tax), parseAmount(gross)];
      const inputs = ["total_net", "total_tax", "total_gross"].map(fieldInput);
      if ([n, t, g].some(Number.isNaN)) {
        results.push(result("net_plus_tax_equals_gross", false, "an amount is not a number", inputs));
      } else {
        const ok = Math.abs(n + t - g) <= TOLERANCE + 1e-9;
        results.push(
          result("net_plus_tax_equals_gross", ok, `${money(n)} + ${money(t)} = ${money(n + t)}${ok ? "" : `, not ${money(g)}`}`, inputs),
        );
      }
    }

    if (net !== null && rows.length && rows.every((cells) => cells.amount.value.trim())) {
      const amounts = rows.map((cells) => parseAmount(cells.amount.value));
      const n = parseAmount(net);
      const inputs = [fieldInput("total_net"), ...rows.map((cells) => cells.amount)];
      if ([n, ...amounts].some(Number.isNaN)) {
        results.push(result("line_items_sum_to_net", false, "an amount is not a number", inputs));
      } else {
        const sum = amounts.reduce((a, b) => a + b, 0);
        const ok = Math.abs(sum - n) <= TOLERANCE + 1e-9;
        results.push(result("line_items_sum_to_net", ok, `lines add up to ${money(sum)}${ok ? "" : `, not ${money(n)}`}`, inputs));
      }
    }

    // The tax breakdown: its tax amounts add up to the tax total (as the server checks it).
    const taxes = taxRows().filter((cells) => Object.values(cells).some((i) => i.value.trim()));
    if (tax !== null && taxes.length && taxes.every((cells) => cells.amount.value.trim())) {
      const amounts = taxes.map((cells) => parseAmount(cells.amount.value));
      const t = parseAmount(tax);
      const inputs = [fieldInput("total_tax"), ...taxes.map((cells) => cells.amount)];
      if ([t, ...amounts].some(Number.isNaN)) {
        results.push(result("tax_details_sum", false, "an amount is not a number", inputs));
      } else {
        const sum = amounts.reduce((a, b) => a + b, 0);
        const ok = Math.abs(sum - t) <= TOLERANCE + 1e-9;
        const terms = amounts.map(money).join(" + ");
        results.push(result("tax_details_sum", ok, `${terms} = ${money(sum)}${ok ? "" : `, not ${money(t)}`}`, inputs));
      }
    }

    const complete = rows.filter((c) => c.quantity.value.trim() && c.unit_price.value.trim() && c.amount.value.trim());
    if (complete.length) {
      const failures = [];
      const bad = [];
      const all = itemRows().map((cells) => cells.amount);
      complete.forEach((cells) => {
        const line = all.indexOf(cells.amount) + 1;
        const q = parseAmount(cells.quantity.value);
        const p = parseAmount(cells.unit_price.value);
        const a = parseAmount(cells.amount.value);
        if ([q, p, a].some(Number.isNaN)) {
          failures.push(`line ${line}: not a number`);
          bad.push(cells.quantity, cells.unit_price, cells.amount);
          return;
        }
        // The printed unit price is rounded: allow half a unit of its last decimal per piece.
        const allowed = TOLERANCE + Math.abs(q) * 5 * Math.pow(10, -decimals(cells.unit_price.value) - 1) + 1e-9;
        const product = q * p;
        if (Math.abs(product - a) > allowed && Math.abs(Math.abs(product) - Math.abs(a)) > allowed) {
          failures.push(`line ${line}: ${q} × ${p} = ${money(product)}, not ${money(a)}`);
          bad.push(cells.quantity, cells.unit_price, cells.amount);
        }
      });
      const detail = failures.length ? failures.join("; ") : `${complete.length} line(s): quantity × unit price = amount`;
      results.push(result("line_quantity_times_price", failures.length === 0, detail, failures.length ? bad : []));
    }
    return results;
  }

  function checkItem(name) {
    let li = $(`li[data-check="${CSS.escape(name)}"]`, checksEl);
    if (!li) {
      li = document.createElement("li");
      li.className = "check";
      li.dataset.check = name;
      li.dataset.live = "1";
      const icon = document.createElement("span");
      icon.className = "check-icon";
      icon.setAttribute("aria-hidden", "true");
      const label = document.createElement("span");
      label.className = "check-label";
      label.textContent = CHECK_LABELS[name] || name.replace(/_/g, " ");
      const detail = document.createElement("span");
      detail.className = "check-detail";
      li.append(icon, label, detail);
      checksEl.append(li);
    }
    return li;
  }

  const CHECK_LABELS = {
    line_items_sum_to_net: "Line items add up to net",
    net_plus_tax_equals_gross: "Net + tax = gross",
    line_quantity_times_price: "Qty × unit price = amount",
    tax_details_sum: "Tax breakdown adds up",
  };

  function runChecks() {
    const results = liveChecks();
    const seen = new Set(results.map((r) => r.name));
    $$("input.failing-live").forEach((input) => input.classList.remove("failing-live"));
    results.forEach((r) => {
      const li = checkItem(r.name);
      li.hidden = false;
      li.classList.toggle("pass", r.passed);
      li.classList.toggle("fail", !r.passed);
      $(".check-detail", li).textContent = r.detail;
      if (!r.passed) r.inputs.forEach((input) => input && input.classList.add("failing-live"));
    });
    // A live check whose inputs are gone no longer applies.
    $$("li[data-live='1']", checksEl).forEach((li) => {
      if (!seen.has(li.dataset.check)) li.hidden = true;
    });
    // Red marks follow the live checks; checks the page cannot recompute keep their saved marks.
    const savedFailing = new Set();
    $$("li.check.fail[data-live='0']", checksEl).forEach((li) => {
      (li.dataset.fields || "").split(",").forEach((name) => savedFailing.add(name.trim()));
    });
    $$("[data-field]").forEach((input) => {
      const bad = input.classList.contains("failing-live") || savedFailing.has(input.dataset.field);
      input.closest(".field").classList.toggle("failing", bad);
    });
    $$("[data-item-field], [data-tax-field]").forEach((input) => input.classList.toggle("failing", input.classList.contains("failing-live")));
    // Saved checks that the page cannot recompute are marked as "as saved" while edits are pending.
    const dirty = isDirty();
    $$("li[data-live='0']", checksEl).forEach((li) => li.classList.toggle("stale", dirty));
    const sum = itemValues().reduce((total, row) => total + (parseAmount(row.amount) || 0), 0);
    $("#items-sum").textContent = itemRows().length ? money(sum) : "—";
    const taxSum = taxValues().reduce((total, row) => total + (parseAmount(row.amount) || 0), 0);
    $("#taxes-sum").textContent = taxRows().length ? money(taxSum) : "—";
    drawBoxes();
  }

  // ---------------------------------------------------------------- page and boxes

  function pagePoints() {
    const width = Number(pageEl.dataset.widthPoints);
    const height = Number(pageEl.dataset.heightPoints);
    if (state.page === 1 && width > 0 && height > 0) return [width, height];
    // Other pages: the image was rendered at `dpi`, so points = pixels * 72 / dpi.
    return [(img.naturalWidth * 72) / dpi, (img.naturalHeight * 72) / dpi];
  }

  function boxedInputs() {
    return $$("[data-field], [data-item-field], [data-tax-field]").filter(
      (input) => input.dataset.bbox && Number(input.dataset.page) === state.page,
    );
  }

  function drawBoxes() {
    if (!img.complete || !img.naturalWidth) return;
    const [width, height] = pagePoints();
    if (!(width > 0 && height > 0)) return;
    const active = document.activeElement;
    boxesEl.replaceChildren();
    boxedInputs().forEach((input) => {
      const parts = input.dataset.bbox.split(",").map(Number);
      if (parts.length !== 4 || parts.some(Number.isNaN)) return;
      const [x0, top, x1, bottom] = parts;
      const box = document.createElement("div");
      box.className = "box";
      if (input.classList.contains("low") || input.closest(".field.low")) box.classList.add("box-low");
      if (input.classList.contains("failing-live") || (input.closest(".field.failing") && !input.classList.contains("edited"))) {
        box.classList.add("box-bad");
      }
      if (input.classList.contains("failing") && !input.classList.contains("edited")) box.classList.add("box-bad");
      if (input === active) box.classList.add("box-active");
      // CSSOM writes are allowed by the CSP (no inline style attributes are parsed).
      box.style.left = `${(x0 / width) * 100}%`;
      box.style.top = `${(top / height) * 100}%`;
      box.style.width = `${Math.max(((x1 - x0) / width) * 100, 0.4)}%`;
      box.style.height = `${Math.max(((bottom - top) / height) * 100, 0.4)}%`;
      box.title = input.dataset.label || "";
      box.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus where we put it
      box.addEventListener("click", () => {
        input.focus();
        input.select();
      });
      box.inputRef = input;
      boxesEl.append(box);
    });
  }

  function highlight(input) {
    $$(".field.active, tr.item.active, tr.tax.active").forEach((el) => el.classList.remove("active"));
    const row = input.closest(".field, tr.item, tr.tax");
    if (row) row.classList.add("active");
    const page = Number(input.dataset.page);
    if (input.dataset.bbox && page && page !== state.page) {
      showPage(page);
      return;
    }
    let found = null;
    $$(".box", boxesEl).forEach((box) => {
      const on = box.inputRef === input;
      box.classList.toggle("box-active", on);
      if (on) found = box;
    });
    if (found) reveal(found);
  }

  // Scrolls the page viewer (only it: scrollIntoView would also move the page's own layout) so `el` is in view.
  function reveal(el) {
    const view = wrapEl.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    const margin = 24;
    let dx = 0;
    let dy = 0;
    if (box.left < view.left + margin) dx = box.left - view.left - margin;
    else if (box.right > view.right - margin) dx = Math.min(box.right - view.right + margin, box.left - view.left - margin);
    if (box.top < view.top + margin) dy = box.top - view.top - margin;
    else if (box.bottom > view.bottom - margin) dy = Math.min(box.bottom - view.bottom + margin, box.top - view.top - margin);
    if (dx || dy) wrapEl.scrollBy({ left: dx, top: dy, behavior: "smooth" });
  }

  function pageSrc(page) {
    return `/documents/${encodeURIComponent(docId)}/pages/${page}.png${state.hd ? "?hd=1" : ""}`;
  }

  function showPage(page) {
    if (page === state.page) return;
    state.page = page;
    pageEl.dataset.page = String(page);
    img.alt = `Page ${page}`;
    img.src = pageSrc(page);
    $$("[data-page-button]").forEach((b) => b.classList.toggle("current", Number(b.dataset.pageButton) === page));
    loadWords(page);
  }

  // ---------------------------------------------------------------- zoom and pan

  const ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4];
  const ZOOM_MIN = ZOOM_STEPS[0];
  const ZOOM_MAX = ZOOM_STEPS[ZOOM_STEPS.length - 1];
  const ZOOM_KEY = "docai.zoom";

  // The page's width at 100%: the viewer's width (at most 900 px), as the page is shown unzoomed.
  function fitWidth() {
    const style = window.getComputedStyle(wrapEl);
    const inner = wrapEl.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.max(200, Math.min(inner, 900));
  }

  // Zooms to `level`, keeping the point under (clientX, clientY) where it is (the viewer's centre by default).
  // The boxes are placed in percent of the page, so they scale with it and stay on their words.
  function setZoom(level, clientX, clientY) {
    const zoom = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, Math.round(level * 100) / 100));
    const wrapRect = wrapEl.getBoundingClientRect();
    const x = clientX === undefined ? wrapRect.left + wrapEl.clientWidth / 2 : clientX;
    const y = clientY === undefined ? wrapRect.top + wrapEl.clientHeight / 2 : clientY;
    const before = pageEl.getBoundingClientRect();
    const fx = before.width ? (x - before.left) / before.width : 0.5;
    const fy = before.height ? (y - before.top) / before.height : 0.5;
    state.zoom = zoom;
    if (zoom === 1) {
      pageEl.style.width = "";
      pageEl.style.maxWidth = "";
    } else {
      pageEl.style.width = `${Math.round(fitWidth() * zoom)}px`;
      pageEl.style.maxWidth = "none";
    }
    pageEl.classList.toggle("zoomed", zoom > 1);
    const after = pageEl.getBoundingClientRect();
    wrapEl.scrollLeft += after.left + fx * after.width - x;
    wrapEl.scrollTop += after.top + fy * after.height - y;
    $("#zoom-level").textContent = `${Math.round(zoom * 100)}%`;
    $$("[data-zoom]").forEach((b) => {
      b.disabled = (b.dataset.zoom === "in" && zoom >= ZOOM_MAX) || (b.dataset.zoom === "out" && zoom <= ZOOM_MIN);
    });
    body.dataset.zoom = String(zoom);
    try {
      window.localStorage.setItem(ZOOM_KEY, String(zoom));
    } catch (error) {
      // private mode: the zoom is simply not remembered
    }
    // Zoomed past the image's own pixels: ask for the sharper rendering once.
    if (!state.hd && img.naturalWidth && after.width > img.naturalWidth * 1.05) {
      state.hd = true;
      img.src = pageSrc(state.page);
    }
  }

  function zoomStep(direction) {
    const next =
      direction > 0
        ? ZOOM_STEPS.find((z) => z > state.zoom + 0.001) || ZOOM_MAX
        : [...ZOOM_STEPS].reverse().find((z) => z < state.zoom - 0.001) || ZOOM_MIN;
    setZoom(next);
  }

  $$("[data-zoom]").forEach((button) => {
    button.addEventListener("mousedown", (event) => event.preventDefault()); // the field keeps the focus
    button.addEventListener("click", () => {
      const how = button.dataset.zoom;
      if (how === "in") zoomStep(1);
      else if (how === "out") zoomStep(-1);
      else setZoom(1);
    });
  });

  // Ctrl + wheel (and a touchpad's pinch, which the browser reports as one) zooms around the pointer.
  wrapEl.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      const factor = Math.exp(-Math.max(-100, Math.min(100, event.deltaY)) * 0.004);
      setZoom(state.zoom * factor, event.clientX, event.clientY);
    },
    { passive: false },
  );

  // ---------------------------------------------------------------- picking words off the page

  async function loadWords(page) {
    try {
      const response = await fetch(`/api/documents/${encodeURIComponent(docId)}/pages/${page}/words`, {
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      if (page === state.page) state.words = { page, ...data };
    } catch (error) {
      // without words the page still shows; picking just finds nothing
    }
  }

  function fillable(element) {
    return !!element && element.matches && element.matches("[data-field], [data-item-field], [data-tax-field]");
  }

  // The field the page fills: the one the cursor is in.
  function fillTarget() {
    const active = document.activeElement;
    return fillable(active) && !active.readOnly ? active : null;
  }

  // Client coordinates → PDF points of the current page.
  function toPoints(clientX, clientY) {
    const rect = img.getBoundingClientRect();
    const [width, height] = state.words ? [state.words.width, state.words.height] : pagePoints();
    return [((clientX - rect.left) / rect.width) * width, ((clientY - rect.top) / rect.height) * height];
  }

  function wordAt(clientX, clientY) {
    if (!state.words || state.words.page !== state.page) return null;
    const [x, y] = toPoints(clientX, clientY);
    let best = null;
    state.words.words.forEach((word) => {
      const [, x0, top, x1, bottom] = word;
      if (x >= x0 - 1 && x <= x1 + 1 && y >= top - 1 && y <= bottom + 1) {
        const area = (x1 - x0) * (bottom - top);
        if (!best || area < best.area) best = { word, area };
      }
    });
    return best ? best.word : null;
  }

  // The words whose centre lies in the rectangle, in reading order (lines top to bottom, left to right).
  function wordsIn(a, b) {
    if (!state.words || state.words.page !== state.page) return [];
    const [ax, ay] = toPoints(a[0], a[1]);
    const [bx, by] = toPoints(b[0], b[1]);
    const [left, right, top, bottom] = [Math.min(ax, bx), Math.max(ax, bx), Math.min(ay, by), Math.max(ay, by)];
    const inside = state.words.words.filter(([, x0, t, x1, bt]) => {
      const cx = (x0 + x1) / 2;
      const cy = (t + bt) / 2;
      return cx >= left && cx <= right && cy >= top && cy <= bottom;
    });
    inside.sort((p, q) => {
      const sameLine = Math.abs(p[2] - q[2]) < Math.min(p[4] - p[2], q[4] - q[2]) / 2;
      return sameLine ? p[1] - q[1] : p[2] - q[2];
    });
    return inside;
  }

  function placeInPoints(el, x0, top, x1, bottom) {
    const [width, height] = state.words ? [state.words.width, state.words.height] : pagePoints();
    el.style.left = `${(x0 / width) * 100}%`;
    el.style.top = `${(top / height) * 100}%`;
    el.style.width = `${((x1 - x0) / width) * 100}%`;
    el.style.height = `${((bottom - top) / height) * 100}%`;
  }

  // Puts the words' text into the field (or after its text with Ctrl/⌘), as if typed, and moves its box there.
  function fill(input, words, append) {
    if (!words.length) return;
    const text = words.map((w) => w[0]).join(" ");
    input.value = append && input.value.trim() ? `${input.value.trim()} ${text}` : text;
    const box = [
      Math.min(...words.map((w) => w[1])),
      Math.min(...words.map((w) => w[2])),
      Math.max(...words.map((w) => w[3])),
      Math.max(...words.map((w) => w[4])),
    ];
    input.dataset.page = String(state.page);
    input.dataset.bbox = box.map((v) => v.toFixed(2)).join(",");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.classList.add("picked");
    window.setTimeout(() => input.classList.remove("picked"), 600);
    const label = input.dataset.label || "the field";
    say(`${label}: “${text}” from the page. Enter saves.`, "info");
  }

  const hoverEl = $("#word-hover");
  const lassoEl = $("#lasso");
  let drag = null;

  // In a field, clicks on the page pick words (the field boxes let them through); outside one, a
  // click on a box jumps to its field. Dragging moves a zoomed page; Shift+drag picks an area.
  document.addEventListener("focusin", () => pageEl.classList.toggle("picking", !!fillTarget()));
  document.addEventListener("focusout", () => window.setTimeout(() => pageEl.classList.toggle("picking", !!fillTarget()), 0));

  wrapEl.addEventListener("mousedown", (event) => {
    if (event.button !== 0) return;
    if (event.target === wrapEl && (event.offsetX >= wrapEl.clientWidth || event.offsetY >= wrapEl.clientHeight)) return; // a scrollbar
    event.preventDefault(); // keep the cursor in its field, and no image drag or text selection
    drag = {
      x: event.clientX,
      y: event.clientY,
      left: wrapEl.scrollLeft,
      top: wrapEl.scrollTop,
      lasso: event.shiftKey,
      moved: false,
      onBox: !!event.target.closest(".box"),
    };
  });

  window.addEventListener("mousemove", (event) => {
    if (!drag) {
      if (!event.target.closest || !event.target.closest("#page")) {
        hoverEl.hidden = true;
        return;
      }
      const word = fillTarget() ? wordAt(event.clientX, event.clientY) : null;
      hoverEl.hidden = !word;
      if (word) placeInPoints(hoverEl, word[1], word[2], word[3], word[4]);
      return;
    }
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    hoverEl.hidden = true;
    if (drag.lasso) {
      const rect = pageEl.getBoundingClientRect();
      const left = Math.min(drag.x, event.clientX) - rect.left;
      const top = Math.min(drag.y, event.clientY) - rect.top;
      lassoEl.hidden = false;
      lassoEl.style.left = `${(left / rect.width) * 100}%`;
      lassoEl.style.top = `${(top / rect.height) * 100}%`;
      lassoEl.style.width = `${(Math.abs(dx) / rect.width) * 100}%`;
      lassoEl.style.height = `${(Math.abs(dy) / rect.height) * 100}%`;
    } else {
      wrapEl.classList.add("panning");
      wrapEl.scrollLeft = drag.left - dx;
      wrapEl.scrollTop = drag.top - dy;
    }
  });

  window.addEventListener("mouseup", (event) => {
    if (!drag) return;
    const done = drag;
    drag = null;
    wrapEl.classList.remove("panning");
    lassoEl.hidden = true;
    const target = fillTarget();
    if (done.lasso && done.moved) {
      if (!target) {
        say("Click into a field first, then pick its value on the page.", "info");
        return;
      }
      const words = wordsIn([done.x, done.y], [event.clientX, event.clientY]);
      if (words.length) fill(target, words, event.ctrlKey || event.metaKey);
      else say("No words in that area.", "info");
      return;
    }
    if (done.moved || done.onBox) return; // a pan, or a box's own click (it focuses its field)
    const word = wordAt(event.clientX, event.clientY);
    if (!word) return;
    if (target) fill(target, [word], event.ctrlKey || event.metaKey);
    else say("Click into a field first, then click its value on the page.", "info");
  });

  // ---------------------------------------------------------------- line items and tax rows

  function addRow(focus) {
    const fragment = $("#item-row").content.cloneNode(true);
    const tr = fragment.querySelector("tr");
    itemsBody.append(fragment);
    wire(tr);
    if (focus) $("input", tr).focus();
    refreshDirty();
    runChecks();
    return tr;
  }

  function setItems(rows) {
    itemsBody.replaceChildren();
    rows.forEach((row) => {
      const tr = addRow(false);
      $$("[data-item-field]", tr).forEach((input) => {
        const cell = row[input.dataset.itemField] || {};
        input.value = cell.value || "";
        input.dataset.original = cell.value || "";
        input.dataset.page = String(cell.page || 0);
        input.dataset.bbox = cell.bbox || "";
      });
    });
    state.itemsOriginal = JSON.stringify(itemValues());
  }

  function addTax(focus) {
    const fragment = $("#tax-row").content.cloneNode(true);
    const tr = fragment.querySelector("tr");
    taxesBody.append(fragment);
    wire(tr);
    if (focus) $("input", tr).focus();
    refreshDirty();
    runChecks();
    return tr;
  }

  function setTaxes(rows) {
    taxesBody.replaceChildren();
    rows.forEach((row) => {
      const tr = addTax(false);
      $$("[data-tax-field]", tr).forEach((input) => {
        const cell = row[input.dataset.taxField] || {};
        input.value = cell.value || "";
        input.dataset.original = cell.value || "";
        input.dataset.page = String(cell.page || 0);
        input.dataset.bbox = cell.bbox || "";
      });
    });
    state.taxesOriginal = JSON.stringify(taxValues());
  }

  // ---------------------------------------------------------------- route picklists

  const policy = (() => {
    const holder = $("#route-policy");
    try {
      return holder ? JSON.parse(holder.dataset.departments || "[]") : [];
    } catch (error) {
      return [];
    }
  })();

  // Choosing a department proposes its cost centre and the approver its ladder picks for this amount,
  // unless the ones chosen already belong to it.
  function departmentChanged() {
    const department = policy.find((d) => d.name === $("#r-department").value);
    if (!department) return;
    const centre = $("#r-cost_centre");
    const approver = $("#r-approver");
    if (centre && !department.cost_centres.includes(centre.value)) centre.value = department.cost_centres[0] || centre.value;
    if (approver && !department.approvers.includes(approver.value)) approver.value = department.approver || approver.value;
  }

  // ---------------------------------------------------------------- editing rights

  function setEditable(editable) {
    $$("#fields-form input").forEach((input) => {
      input.readOnly = !editable;
    });
    $$("#fields-form select").forEach((select) => {
      select.disabled = !editable;
    });
    $$("[data-action='add-row'], [data-action='remove-row'], [data-action='add-tax'], [data-action='remove-tax']").forEach((button) => {
      button.disabled = !editable;
    });
    $$("#actions [data-action]").forEach((button) => {
      const needsApprover = ["approve", "reject"].includes(button.dataset.action);
      button.disabled = !editable || (needsApprover && !canApprove) || (button.dataset.action === "save" && !isDirty());
    });
    $("#claim-btn").hidden = !claimable();
    $("#claim-btn").disabled = !claimable();
    body.classList.toggle("readonly", !editable);
  }

  function setStatusLabel(text) {
    $("#state-label").textContent = text;
  }

  // ---------------------------------------------------------------- reasons and history

  function renderReasons(reasons) {
    const list = $("#reasons");
    list.replaceChildren();
    reasons.forEach((r) => {
      const li = document.createElement("li");
      li.className = `chip chip-${r.code.toLowerCase()}${r.resolved ? " resolved" : ""}`;
      li.dataset.code = r.code;
      li.title = r.sentence || "";
      const strong = document.createElement("strong");
      strong.textContent = r.subject ? `${r.label}: ${r.subject}` : r.label;
      li.append(strong);
      if (r.detail) li.append(document.createTextNode(` — ${r.detail}`));
      if (r.resolved) {
        const note = document.createElement("span");
        note.className = "resolved-note";
        note.textContent = " (resolved)";
        li.append(note);
      }
      list.append(li);
    });
    list.hidden = reasons.length === 0;
  }

  function renderHistory(entries) {
    const history = $("#history");
    $$("ol.history, p.muted", history).forEach((el) => el.remove());
    if (!entries.length) return;
    const list = document.createElement("ol");
    list.className = "history";
    entries.forEach((entry) => {
      const li = document.createElement("li");
      li.className = entry.change ? "change" : "event";
      li.dataset.action = entry.code;
      const head = document.createElement("div");
      head.className = "history-head";
      const actor = document.createElement("span");
      actor.className = "actor";
      actor.textContent = entry.actor;
      const action = document.createElement("span");
      action.className = "action";
      action.textContent = entry.action;
      const when = document.createElement("time");
      when.dateTime = entry.iso;
      when.textContent = entry.when;
      head.append(actor, document.createTextNode(" "), action, document.createTextNode(" "), when);
      li.append(head);
      if (entry.change) {
        const diff = document.createElement("div");
        diff.className = "diff";
        const del = document.createElement("del");
        del.textContent = entry.old || "(empty)";
        const arrow = document.createElement("span");
        arrow.className = "arrow";
        arrow.setAttribute("aria-label", "changed to");
        arrow.textContent = "→";
        const ins = document.createElement("ins");
        ins.textContent = entry.new || "(empty)";
        diff.append(del, document.createTextNode(" "), arrow, document.createTextNode(" "), ins);
        li.append(diff);
      } else if (entry.note) {
        const note = document.createElement("div");
        note.className = "note";
        note.textContent = entry.note;
        li.append(note);
      }
      list.append(li);
    });
    history.append(list);
  }

  // ---------------------------------------------------------------- claiming

  // Claims the invoice once (the first edit, "c", or an action that needs it); resolves to true when it is ours.
  function ensureClaimed() {
    if (state.mine) return Promise.resolve(true);
    if (!claimable()) return Promise.resolve(false);
    if (!state.claiming) {
      state.claiming = claim().finally(() => {
        state.claiming = null;
      });
    }
    return state.claiming;
  }

  async function claim() {
    const result = await docai.post(`/api/tasks/${encodeURIComponent(taskId)}/claim`, {});
    if (!result.ok) {
      sayError(result);
      state.status = "claimed";
      revertEdits();
      setEditable(false);
      return false;
    }
    state.etag = result.body.task.etag;
    state.mine = true;
    state.status = "claimed";
    body.dataset.mine = "1";
    setStatusLabel("claimed by you");
    setEditable(true);
    refreshDirty();
    return true;
  }

  // A colleague was faster: what was typed before the claim failed is not kept.
  function revertEdits() {
    $$("[data-field], [data-route]").forEach((input) => {
      input.value = input.dataset.original || "";
    });
    setItems(JSON.parse(state.itemsOriginal || "[]").map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, { value: v }]))));
    setTaxes(JSON.parse(state.taxesOriginal || "[]").map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, { value: v }]))));
    refreshDirty();
    runChecks();
  }

  // ---------------------------------------------------------------- actions

  async function save() {
    if (!(await ensureClaimed())) return false;
    const fields = dirtyFields();
    const payload = { etag: state.etag, fields, request_id: docai.requestId() };
    if (itemsDirty()) payload.line_items = itemValues();
    if (taxesDirty()) payload.tax_details = taxValues();
    if (routeDirty()) payload.route = routeValues();
    if (!Object.keys(fields).length && !payload.line_items && !payload.tax_details && !payload.route) return true;
    say("Saving…", "info");
    $$(".invalid").forEach((input) => input.classList.remove("invalid"));
    const result = await docai.post(`/api/tasks/${encodeURIComponent(taskId)}/corrections`, payload);
    if (!result.ok) {
      sayError(result);
      return false;
    }
    applySaved(result.body);
    say("Saved. Checks re-ran on the server.", "ok");
    return true;
  }

  function applySaved(data) {
    state.etag = data.etag;
    Object.values(data.fields).forEach((f) => {
      const input = fieldInput(f.name);
      if (!input) return;
      input.value = f.value;
      input.dataset.original = f.value;
      input.dataset.page = String(f.page || 0);
      input.dataset.bbox = f.bbox || "";
      const row = input.closest(".field");
      row.classList.toggle("low", !!f.low);
      row.classList.toggle("failing", !!f.failing);
      row.classList.toggle("empty", f.confidence === null);
      const conf = $(".conf", row);
      conf.textContent = f.confidence === null ? "" : `${f.percent}%`;
    });
    setItems(data.line_items);
    setTaxes(data.tax_details || []);
    $$("[data-route]").forEach((input) => {
      input.dataset.original = input.value.trim();
    });
    // The server's checks are the truth after a save.
    checksEl.replaceChildren();
    data.checks.forEach((c) => {
      const li = checkItem(c.name);
      li.dataset.live = c.live ? "1" : "0";
      li.dataset.fields = c.fields || "";
      $(".check-label", li).textContent = c.label;
      $(".check-detail", li).textContent = c.detail;
      li.classList.toggle("pass", c.passed);
      li.classList.toggle("fail", !c.passed);
    });
    if (data.task) {
      renderReasons(data.task.reasons || []);
      if (data.task.amount) $(".panel-head .amount").textContent = data.task.amount;
      if (data.task.vendor) $("#vendor-title").textContent = data.task.vendor;
    }
    if (data.audit) renderHistory(data.audit);
    refreshDirty();
    runChecks();
  }

  function failingChecks() {
    return $$("li.check.fail", checksEl).filter((li) => !li.hidden);
  }

  async function approve() {
    if (state.busy || !(state.mine || claimable())) return;
    if (!canApprove) {
      say("Your role cannot approve invoices; ask an approver.", "bad");
      return;
    }
    const failing = failingChecks();
    if (failing.length) {
      // Asked where the accountant is looking: a modal over the page, focused for the keyboard.
      const list = $("#approve-failing");
      list.replaceChildren();
      failing.forEach((li) => {
        const item = document.createElement("li");
        const strong = document.createElement("strong");
        strong.textContent = $(".check-label", li).textContent;
        item.append(strong, document.createTextNode(` — ${$(".check-detail", li).textContent}`));
        list.append(item);
      });
      $("#approve-title").textContent =
        failing.length === 1 ? "Approve although a check fails?" : `Approve although ${failing.length} checks fail?`;
      const dialog = $("#approve-dialog");
      if (!dialog.open) dialog.showModal();
      $("[data-action='cancel-approve']").focus();
      return;
    }
    await approveNow();
  }

  async function approveNow() {
    if (state.busy) return;
    state.busy = true;
    try {
      if (!(await ensureClaimed())) return;
      if (isDirty() && !(await save())) return;
      say("Approving…", "info");
      const result = await docai.post(`/api/tasks/${encodeURIComponent(taskId)}/approve`, {
        etag: state.etag,
        request_id: docai.requestId(),
      });
      if (!result.ok) {
        sayError(result);
        return;
      }
      state.mine = false;
      state.status = "approved";
      setEditable(false);
      setStatusLabel("approved");
      say("Approved. Opening the next invoice…", "ok");
      await goNext("");
    } finally {
      state.busy = false;
    }
  }

  async function reject(reason) {
    if (state.busy) return;
    state.busy = true;
    try {
      if (!(await ensureClaimed())) return;
      const result = await docai.post(`/api/tasks/${encodeURIComponent(taskId)}/reject`, {
        etag: state.etag,
        reason,
        request_id: docai.requestId(),
      });
      if (!result.ok) {
        sayError(result);
        return;
      }
      state.mine = false;
      state.status = "rejected";
      setEditable(false);
      setStatusLabel("rejected");
      say("Rejected. Opening the next invoice…", "ok");
      await goNext("");
    } finally {
      state.busy = false;
    }
  }

  // Moving on opens the next invoice without claiming it: a colleague may take it until it is edited.
  async function goNext(skip) {
    const result = await docai.next(skip, { claim: false });
    if (!result.ok) sayError(result);
  }

  // s and n: give the invoice back (if it is ours) and move on. Unsaved edits need a second press.
  async function skip() {
    if (state.busy) return;
    if ((state.mine || claimable()) && isDirty() && !state.warnedDiscard) {
      state.warnedDiscard = true;
      say("You have unsaved corrections. Press again to discard them, or Enter in a field to save.", "warn");
      return;
    }
    state.busy = true;
    try {
      if (state.claiming) await state.claiming;
      if (state.mine) {
        const released = await docai.post(`/api/tasks/${encodeURIComponent(taskId)}/release`, {});
        if (!released.ok && released.status !== 409) {
          sayError(released);
          return;
        }
      }
      say("Opening the next invoice…", "info");
      await goNext(taskId);
    } finally {
      state.busy = false;
    }
  }

  function openReject() {
    if (!(state.mine || claimable())) return;
    if (!canApprove) {
      say("Your role cannot reject invoices; ask an approver.", "bad");
      return;
    }
    const dialog = $("#reject-dialog");
    $("#reject-reason").value = "";
    dialog.showModal();
    $("#reject-reason").focus();
  }

  // "e": into the fields, at the value most likely wrong: the first unsure one, else the first
  // one a check complains about. Never automatic on load, so "a" can never land in a text box.
  function focusFirst() {
    const inputs = $$("[data-field], [data-item-field], [data-tax-field]");
    const unsure = inputs.find((i) => i.classList.contains("low") || (i.closest(".field.low") && !i.classList.contains("edited")));
    const failing = inputs.find((i) => i.classList.contains("failing-live") || i.classList.contains("failing") || i.closest(".field.failing"));
    const target = unsure || failing || $("[data-field]");
    if (target) {
      target.focus();
      target.select();
    }
  }

  // ---------------------------------------------------------------- wiring

  function edited() {
    refreshDirty();
    runChecks();
    if (claimable()) ensureClaimed(); // the first edit claims the invoice
  }

  function wire(root) {
    $$("input, select", root).forEach((input) => {
      input.addEventListener("focus", () => highlight(input));
      input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => {
        input.classList.remove("invalid");
        if (input.dataset.route === "department") departmentChanged();
        edited();
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.isComposing) {
          event.preventDefault();
          save();
        }
      });
    });
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target || target.disabled) return;
    const action = target.dataset.action;
    if (action === "save") save();
    else if (action === "approve") approve();
    else if (action === "reject") openReject();
    else if (action === "skip") skip();
    else if (action === "claim") ensureClaimed();
    else if (action === "reload") window.location.reload();
    else if (action === "add-row") {
      addRow(true);
      edited();
    } else if (action === "add-tax") {
      addTax(true);
      edited();
    } else if (action === "cancel-reject") $("#reject-dialog").close();
    else if (action === "cancel-approve") $("#approve-dialog").close();
    else if (action === "remove-row" || action === "remove-tax") {
      target.closest("tr").remove();
      edited();
    }
  });

  $$("[data-page-button]").forEach((button) => {
    button.addEventListener("click", () => showPage(Number(button.dataset.pageButton)));
  });

  $("#reject-form").addEventListener("submit", (event) => {
    const reason = $("#reject-reason").value.trim();
    if (!reason) {
      event.preventDefault();
      $("#reject-reason").focus();
      return;
    }
    reject(reason);
  });

  $("#approve-form").addEventListener("submit", () => approveNow());
  // In the warning, "a" again approves anyway (as Enter on its button does); Esc goes back.
  $("#approve-dialog").addEventListener("keydown", (event) => {
    if (event.key === "a" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      $("#approve-dialog").close();
      approveNow();
    }
  });

  docai.on("a", approve);
  docai.on("c", () => ensureClaimed());
  docai.on("e", focusFirst);
  docai.on("r", openReject);
  docai.on("s", skip);
  docai.on("n", skip);
  docai.on("+", () => zoomStep(1));
  docai.on("=", () => zoomStep(1));
  docai.on("-", () => zoomStep(-1));
  docai.on("0", () => setZoom(1));
  docai.on("h", () => {
    const history = $("#history");
    history.open = !history.open;
  });
  docai.on("Enter", () => {
    if (isDirty()) save();
  });

  function ready() {
    drawBoxes();
    body.dataset.ready = "1";
  }

  img.addEventListener("load", ready);
  img.addEventListener("error", () => {
    say("The page image could not be loaded.", "warn");
    body.dataset.ready = "1";
  });
  window.addEventListener("resize", () => {
    if (state.zoom !== 1) setZoom(state.zoom);
    drawBoxes();
  });

  wire(document.getElementById("fields-form"));
  state.itemsOriginal = JSON.stringify(itemValues());
  state.taxesOriginal = JSON.stringify(taxValues());
  runChecks();
  refreshDirty();
  loadWords(1);
  try {
    const remembered = Number(window.localStorage.getItem(ZOOM_KEY));
    if (remembered && remembered !== 1) setZoom(remembered);
  } catch (error) {
    // no storage: start at 100%
  }
  if (state.zoom === 1) $("#zoom-level").textContent = "100%";

  // Opening an invoice never claims it: an open one is editable and its first edit claims it.
  if (state.mine) {
    setEditable(true);
  } else if (state.status === "open") {
    setEditable(true);
    say("Nobody is working on this invoice yet: your first change claims it (or press c).", "info");
  } else {
    setEditable(false);
    if (state.status === "claimed") say(`${body.dataset.claimedBy || "A colleague"} is working on this invoice.`, "warn");
    else say(`This invoice is ${state.status}. You can read it and its history.`, "info");
  }
  if (img.complete && img.naturalWidth) ready();
})();
