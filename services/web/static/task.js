// One invoice: page image with boxes, editable fields and line items, live checks, save/approve/reject/skip.
// Everything the document says is attacker-controlled: it is only ever set with .value / .textContent.
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
    warnedApprove: false,
    itemsOriginal: "",
  };
  const TOLERANCE = 0.02;

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const pageEl = $("#page");
  const img = $("#page-img");
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
    return Object.keys(dirtyFields()).length > 0 || itemsDirty() || routeDirty();
  }

  function refreshDirty() {
    const dirty = isDirty();
    saveButton.disabled = !dirty || !state.mine;
    $$("[data-field], [data-route], [data-item-field]").forEach((input) => {
      input.classList.toggle("edited", input.value.trim() !== (input.dataset.original || "").trim());
    });
    state.warnedDiscard = false;
    state.warnedApprove = false;
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
    $$("[data-item-field]").forEach((input) => input.classList.toggle("failing", input.classList.contains("failing-live")));
    // Saved checks that the page cannot recompute are marked as "as saved" while edits are pending.
    const dirty = isDirty();
    $$("li[data-live='0']", checksEl).forEach((li) => li.classList.toggle("stale", dirty));
    const sum = itemValues().reduce((total, row) => total + (parseAmount(row.amount) || 0), 0);
    $("#items-sum").textContent = itemRows().length ? money(sum) : "—";
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
    return $$("[data-field], [data-item-field]").filter((input) => input.dataset.bbox && Number(input.dataset.page) === state.page);
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
    $$(".field.active, tr.item.active").forEach((el) => el.classList.remove("active"));
    const row = input.closest(".field, tr.item");
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
    if (found) found.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "smooth" });
  }

  function showPage(page) {
    if (page === state.page) return;
    state.page = page;
    pageEl.dataset.page = String(page);
    img.alt = `Page ${page}`;
    img.src = `/documents/${encodeURIComponent(docId)}/pages/${page}.png`;
    $$("[data-page-button]").forEach((b) => b.classList.toggle("current", Number(b.dataset.pageButton) === page));
  }

  // ---------------------------------------------------------------- line items

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

  // ---------------------------------------------------------------- editing rights

  function setEditable(editable) {
    $$("#fields-form input").forEach((input) => {
      input.readOnly = !editable;
    });
    $$("[data-action='add-row'], [data-action='remove-row']").forEach((button) => {
      button.disabled = !editable;
    });
    $$("#actions [data-action]").forEach((button) => {
      const needsApprover = ["approve", "reject"].includes(button.dataset.action);
      button.disabled = !editable || (needsApprover && !canApprove) || (button.dataset.action === "save" && !isDirty());
    });
    body.classList.toggle("readonly", !editable);
  }

  function setStatusLabel(text) {
    $("#state-label").textContent = text;
  }

  // ---------------------------------------------------------------- actions

  async function save() {
    if (!state.mine) return false;
    const fields = dirtyFields();
    const payload = { etag: state.etag, fields, request_id: docai.requestId() };
    if (itemsDirty()) payload.line_items = itemValues();
    if (routeDirty()) payload.route = routeValues();
    if (!Object.keys(fields).length && !payload.line_items && !payload.route) return true;
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
    refreshDirty();
    runChecks();
  }

  async function approve() {
    if (state.busy || !state.mine) return;
    if (!canApprove) {
      say("Your role cannot approve invoices; ask an approver.", "bad");
      return;
    }
    const failing = $$("li.check.fail", checksEl).filter((li) => !li.hidden);
    if (failing.length && !state.warnedApprove) {
      state.warnedApprove = true;
      const names = failing.map((li) => $(".check-label", li).textContent).join(", ");
      say(`${failing.length} check(s) still fail: ${names}. Press a again to approve anyway.`, "warn");
      return;
    }
    state.busy = true;
    try {
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
      setEditable(false);
      setStatusLabel("approved");
      say("Approved. Opening the next invoice…", "ok");
      await goNext("");
    } finally {
      state.busy = false;
    }
  }

  async function reject(reason) {
    if (state.busy || !state.mine) return;
    state.busy = true;
    try {
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
      setEditable(false);
      setStatusLabel("rejected");
      say("Rejected. Opening the next invoice…", "ok");
      await goNext("");
    } finally {
      state.busy = false;
    }
  }

  async function goNext(skip) {
    const result = await docai.next(skip);
    if (!result.ok) sayError(result);
  }

  // s and n: give the invoice back (if it is ours) and move on. Unsaved edits need a second press.
  async function skip() {
    if (state.busy) return;
    if (state.mine && isDirty() && !state.warnedDiscard) {
      state.warnedDiscard = true;
      say("You have unsaved corrections. Press again to discard them, or Enter in a field to save.", "warn");
      return;
    }
    state.busy = true;
    try {
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
    if (!state.mine) return;
    if (!canApprove) {
      say("Your role cannot reject invoices; ask an approver.", "bad");
      return;
    }
    const dialog = $("#reject-dialog");
    $("#reject-reason").value = "";
    dialog.showModal();
    $("#reject-reason").focus();
  }

  async function claim() {
    const result = await docai.post(`/api/tasks/${encodeURIComponent(taskId)}/claim`, {});
    if (!result.ok) {
      sayError(result);
      setEditable(false);
      return;
    }
    state.etag = result.body.task.etag;
    state.mine = true;
    setStatusLabel("claimed by you");
    setEditable(true);
  }

  // "e": into the fields, at the value most likely wrong: the first unsure one, else the first
  // one a check complains about. Never automatic on load, so "a" can never land in a text box.
  function focusFirst() {
    const inputs = $$("[data-field], [data-item-field]");
    const unsure = inputs.find((i) => i.classList.contains("low") || (i.closest(".field.low") && !i.classList.contains("edited")));
    const failing = inputs.find((i) => i.classList.contains("failing-live") || i.classList.contains("failing") || i.closest(".field.failing"));
    const target = unsure || failing || $("[data-field]");
    if (target) {
      target.focus();
      target.select();
    }
  }

  // ---------------------------------------------------------------- wiring

  function wire(root) {
    $$("input", root).forEach((input) => {
      input.addEventListener("focus", () => highlight(input));
      input.addEventListener("input", () => {
        input.classList.remove("invalid");
        refreshDirty();
        runChecks();
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
    else if (action === "reload") window.location.reload();
    else if (action === "add-row") addRow(true);
    else if (action === "cancel-reject") $("#reject-dialog").close();
    else if (action === "remove-row") {
      target.closest("tr").remove();
      refreshDirty();
      runChecks();
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

  docai.on("a", approve);
  docai.on("e", focusFirst);
  docai.on("r", openReject);
  docai.on("s", skip);
  docai.on("n", skip);
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
  window.addEventListener("resize", drawBoxes);

  wire(document.getElementById("fields-form"));
  state.itemsOriginal = JSON.stringify(itemValues());
  runChecks();
  refreshDirty();

  if (state.mine) {
    setEditable(true);
  } else if (state.status === "open") {
    setEditable(false);
    claim();
  } else {
    setEditable(false);
    if (state.status === "claimed") say(`${body.dataset.claimedBy || "A colleague"} is working on this invoice.`, "warn");
    else say(`This invoice is ${state.status}. You can read it and its history.`, "info");
  }
  if (img.complete && img.naturalWidth) ready();
})();
