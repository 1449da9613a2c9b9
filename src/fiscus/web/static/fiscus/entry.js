// Batch entry of a stack of checks (cash:entry): a grid driven by the keyboard alone.
//
// Each row is one check. The customer cell finds customers by number, name or open invoice
// number (cash:lookup); the picked customer's open items appear under the row, with the amount
// spread over them by the allocation policy (cash:allocate), and stay editable. Tab and Enter
// move from cell to cell; Enter on the amount (or on the last item) goes to the next row, adding
// one at the end. Ctrl+S saves the whole batch as JSON; the server checks every row and saves
// all or nothing. Money is counted in cents as BigInt: no float ever touches an amount.
//
// Without this script the page is a plain form that saves one row, applied by the policy.
(() => {
  "use strict";
  const form = document.getElementById("entry-form");
  const configNode = document.getElementById("entry-config");
  if (!form || !configNode) return;
  const config = JSON.parse(configNode.textContent);
  const grid = document.getElementById("entry-grid");
  const template = document.getElementById("entry-row-template");
  const saveButton = document.getElementById("save-batch");
  const statusLine = document.getElementById("entry-status");
  const errorBox = document.getElementById("entry-errors");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const MAIN = ["customer", "payer", "check_number", "method", "amount"];
  const FIELD_CELL = { customer: "customer", payer: "payer", check_number: "check_number",
    method: "method", amount: "amount" };

  // --- money, in cents ------------------------------------------------------------------------
  // undefined: empty; null: not an amount; otherwise a BigInt of cents.
  const parseCents = (text) => {
    const raw = String(text ?? "").replace(/[$\s]/g, "");
    if (!raw) return undefined;
    const m = raw.match(/^(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d{0,2}))?$/);
    if (!m || (!m[1] && m[2] === undefined) || (!m[1] && !m[2])) return null;
    return BigInt((m[1] || "0").replace(/,/g, "")) * 100n + BigInt((m[2] || "").padEnd(2, "0"));
  };
  const amountProblem = (text) => {
    const raw = String(text).trim();
    if (/^-?\d+,\d{1,2}$/.test(raw.replace(/[$\s]/g, ""))) {
      return `“${raw}” uses a comma as the decimal mark; write it with a point.`;
    }
    if (/\.\d{3,}$/.test(raw)) return `“${raw}” has more than two decimal places.`;
    return `“${raw}” is not an amount; write it like 1,234.56.`;
  };
  const plain = (c) => {
    const neg = c < 0n;
    const a = neg ? -c : c;
    return `${neg ? "-" : ""}${a / 100n}.${String(a % 100n).padStart(2, "0")}`;
  };
  const show = (c) => {
    const neg = c < 0n;
    const a = neg ? -c : c;
    return `${neg ? "-" : ""}$${(a / 100n).toLocaleString("en-US")}.${String(a % 100n).padStart(2, "0")}`;
  };
  const fromServer = (text) => parseCents(String(text).replace(/^-/, "")) * (String(text).startsWith("-") ? -1n : 1n);
  const escape = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const usDate = (iso) => { const [y, m, d] = iso.split("-"); return `${m}/${d}/${y}`; };

  // --- pending requests: saving waits for every lookup and allocation still on its way ---------
  const pending = new Set();
  const track = (promise) => {
    pending.add(promise);
    promise.finally(() => pending.delete(promise));
    return promise;
  };
  const getJSON = (url) => fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((r) => r.json().then((body) => ({ ok: r.ok, body })));

  const lookups = new Map();
  const lookup = (text) => {
    const key = text.trim().toLowerCase();
    if (!lookups.has(key)) {
      const promise = getJSON(`${config.lookup}?q=${encodeURIComponent(text.trim())}`)
        .then(({ ok, body }) => (ok ? body.customers : []))
        .catch(() => { lookups.delete(key); return []; });
      lookups.set(key, track(promise));
    }
    return lookups.get(key);
  };

  // --- rows -----------------------------------------------------------------------------------
  const states = new WeakMap();
  const rowsOf = () => [...grid.querySelectorAll("tbody.entry-row")];
  const rowOf = (node) => node.closest("tbody.entry-row");
  const cell = (row, name) => row.querySelector(`[data-cell="${name}"]`);
  const allocInputs = (row) => [...row.querySelectorAll("input[data-item]")];
  const cellsOf = (row) => [...MAIN.map((n) => cell(row, n)), ...allocInputs(row)];
  const state = (row) => {
    if (!states.has(row)) {
      states.set(row, { picked: null, pickedText: "", results: [], resultsFor: null, active: 0,
        timer: null, allocTimer: null, allocKey: "", manual: false, alloc: new Map() });
    }
    return states.get(row);
  };
  let nextIndex = rowsOf().length;

  const renumber = () => {
    rowsOf().forEach((row, k) => {
      const n = k + 1;
      row.dataset.n = String(n);
      row.querySelector("th.n").textContent = String(n);
      row.querySelectorAll("[aria-label^='Row ']").forEach((el) => {
        el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/^Row [^:]+:/, `Row ${n}:`));
      });
    });
  };

  const addRow = () => {
    const i = nextIndex++;
    const html = template.innerHTML.replaceAll("__i__", String(i)).replaceAll("__n__", "0");
    const holder = document.createElement("table");
    holder.innerHTML = html;
    const row = holder.querySelector("tbody.entry-row");
    grid.appendChild(row);
    renumber();
    return row;
  };

  const removeRow = (row) => {
    const rows = rowsOf();
    const next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    if (!next) { clearRow(row); return; }
    row.remove();
    errorBox.innerHTML = "";  // its row numbers no longer hold
    renumber();
    updateTotals();
    cell(next, "customer").focus();
  };

  const clearRow = (row) => {
    MAIN.forEach((n) => { const el = cell(row, n); el.value = n === "method" ? "check" : ""; });
    unpick(row);
    updateRow(row);
    updateTotals();
  };

  // --- notes under a row (errors and warnings, one per field) --------------------------------
  const note = (row, field, message, kind = "error") => {
    const list = row.querySelector("tr.row-messages ul");
    let item = list.querySelector(`li[data-field="${field}"]`);
    if (!message) { if (item) item.remove(); markInvalid(row, field, false); return; }
    if (!item) { item = document.createElement("li"); item.dataset.field = field; list.appendChild(item); }
    item.className = kind;
    item.textContent = message;
    markInvalid(row, field, kind === "error");
  };
  const markInvalid = (row, field, bad) => {
    const target = FIELD_CELL[field] ? cell(row, FIELD_CELL[field]) : null;
    if (!target) return;
    if (bad) target.setAttribute("aria-invalid", "true"); else target.removeAttribute("aria-invalid");
  };

  // --- the customer cell: a combobox ----------------------------------------------------------
  const listOf = (row) => row.querySelector("ul.suggest");
  const closeList = (row) => {
    const list = listOf(row);
    list.hidden = true;
    cell(row, "customer").setAttribute("aria-expanded", "false");
    cell(row, "customer").removeAttribute("aria-activedescendant");
  };
  const renderList = (row) => {
    const s = state(row);
    const list = listOf(row);
    const input = cell(row, "customer");
    if (!s.results.length) {
      list.innerHTML = `<li role="option" aria-disabled="true" class="muted">No customer or open invoice matches “${escape(s.resultsFor)}”.</li>`;
    } else {
      list.innerHTML = s.results.map((c, k) => {
        const owed = c.items.reduce((sum, it) => sum + fromServer(it.open_amount), 0n);
        const flags = [c.flags.cash_only ? '<span class="flag bad">Cash only</span>' : "",
          c.flags.on_hold ? '<span class="flag">On hold</span>' : ""].join("");
        const by = c.found_by ? `<span class="by">invoice ${escape(c.found_by)}</span>` : "";
        return `<li role="option" id="${input.id}-opt-${k}" data-k="${k}" aria-selected="${k === s.active}">`
          + `<strong>${escape(c.number)}</strong><span>${escape(c.name)}</span>${flags}${by}`
          + (c.items.length ? `<span class="owed">${c.items.length} open · ${show(owed)}</span></li>` : `<span class="owed muted">nothing open</span></li>`);
      }).join("");
      input.setAttribute("aria-activedescendant", `${input.id}-opt-${s.active}`);
      const active = list.querySelector(`[data-k="${s.active}"]`);
      if (active) active.scrollIntoView({ block: "nearest" });
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  const refresh = (row) => {
    const s = state(row);
    const input = cell(row, "customer");
    const text = input.value;
    clearTimeout(s.timer);
    if (!text.trim() || s.picked) { closeList(row); return Promise.resolve(); }
    return lookup(text).then((found) => {
      if (input.value !== text || s.picked) return;
      s.results = found;
      s.resultsFor = text;
      s.active = 0;
      if (document.activeElement === input) renderList(row);
    });
  };
  // Settle what the customer cell holds: pick the highlighted customer (Enter), or only a sure
  // one (an exact number or invoice number, or a single match) when the clerk moves on.
  const resolve = (row, pickActive) => {
    const s = state(row);
    const input = cell(row, "customer");
    const text = input.value;
    if (s.picked || !text.trim()) return Promise.resolve();
    clearTimeout(s.timer);
    return track(lookup(text).then((found) => {
      if (input.value !== text || s.picked) return;
      let chosen = null;
      if (pickActive && found.length) {
        chosen = (s.resultsFor === text && found[s.active]) || found[0];
      } else {
        const exact = found.filter((c) => c.exact);
        chosen = exact.length === 1 ? exact[0] : found.length === 1 ? found[0] : null;
      }
      closeList(row);
      if (chosen) { pick(row, chosen); return; }
      note(row, "customer", found.length
        ? `“${text}” matches ${found.length} customers: go back to the cell and pick one (↑ ↓ Enter).`
        : `No customer or open invoice matches “${text}”.`);
    }));
  };
  const pick = (row, customer) => {
    const s = state(row);
    const input = cell(row, "customer");
    s.picked = customer;
    input.value = `${customer.number} ${customer.name}`;
    s.pickedText = input.value;
    row.querySelector("input[data-field=customer_id]").value = String(customer.id);
    s.items = customer.items.slice();
    s.alloc = new Map();
    s.allocKey = "";
    s.manual = false;
    closeList(row);
    note(row, "customer", "");
    const flags = [customer.flags.cash_only ? '<span class="flag bad">Cash only</span>' : "",
      customer.flags.on_hold ? '<span class="flag">On hold</span>' : ""].join("");
    const by = customer.found_by ? ` <span class="muted">found by invoice ${escape(customer.found_by)}</span>` : "";
    row.querySelector(".picked").innerHTML = flags + by;
    cell(row, "payer").placeholder = customer.name;
    renderItems(row);
    checkMethod(row);
    allocate(row);
    updateRow(row);
  };
  const unpick = (row) => {
    const s = state(row);
    s.picked = null;
    s.pickedText = "";
    s.items = [];
    s.alloc = new Map();
    s.allocKey = "";
    s.manual = false;
    row.querySelector("input[data-field=customer_id]").value = "";
    row.querySelector(".picked").innerHTML = "";
    cell(row, "payer").placeholder = "";
    note(row, "customer", "");
    note(row, "method", "");
    renderItems(row);
  };

  // --- the customer's open items and what the payment applies to each ------------------------
  const renderItems = (row) => {
    const s = state(row);
    const holder = row.querySelector("tr.open-items");
    const body = holder.querySelector("tbody");
    if (!s.picked || !s.items || !s.items.length) {
      body.innerHTML = "";
      holder.hidden = true;
      return;
    }
    body.innerHTML = s.items.map((it) => {
      const value = s.alloc.has(it.id) ? plain(s.alloc.get(it.id)) : "";
      return `<tr data-item-row="${it.id}"><td class="num"><input type="text" class="num" data-item="${it.id}"`
        + ` value="${value}" inputmode="decimal" autocomplete="off" aria-label="Row ${row.dataset.n || ""}: apply to ${escape(it.number)}"></td>`
        + `<td>${escape(it.number)}</td><td>${escape(it.kind_label)}</td><td>${usDate(it.due_date)}</td>`
        + `<td class="num">${show(fromServer(it.open_amount))}</td><td class="num left-open"></td></tr>`;
    }).join("");
    holder.hidden = false;
  };
  const allocate = (row) => {
    const s = state(row);
    clearTimeout(s.allocTimer);
    s.allocTimer = null;
    if (!s.picked) return Promise.resolve();
    const amount = parseCents(cell(row, "amount").value);
    const first = s.picked.found_by ? s.items.find((it) => it.number === s.picked.found_by) : null;
    const key = `${s.picked.id}|${amount}|${first ? first.id : ""}`;
    if (key === s.allocKey) return Promise.resolve();
    s.allocKey = key;
    s.manual = false;
    if (amount === undefined || amount === null || amount <= 0n) {
      s.alloc = new Map();
      fillAllocations(row);
      return Promise.resolve();
    }
    let url = `${config.allocate}?customer=${s.picked.id}&amount=${plain(amount)}`;
    if (first) url += `&first=${first.id}`;
    return track(getJSON(url).then(({ ok, body }) => {
      if (s.allocKey !== key || s.manual) return;
      if (!ok) { note(row, "allocations", body.message || "The amounts could not be applied by the policy."); return; }
      note(row, "allocations", "");
      let added = false;
      s.alloc = new Map();
      body.allocations.forEach((a) => {
        if (!s.items.some((it) => it.id === a.item)) { s.items.push(a); added = true; }
        s.alloc.set(a.item, fromServer(a.amount));
      });
      if (added) renderItems(row); else fillAllocations(row);
      updateRow(row);
    }).catch(() => { s.allocKey = ""; }));
  };
  const fillAllocations = (row) => {
    const s = state(row);
    allocInputs(row).forEach((input) => {
      const id = Number(input.dataset.item);
      input.value = s.alloc.has(id) ? plain(s.alloc.get(id)) : "";
    });
    updateRow(row);
  };

  const checkMethod = (row) => {
    const s = state(row);
    const c = s.picked;
    if (c && c.flags.cash_only && cell(row, "method").value === "check") {
      note(row, "method", `${c.name} is on cash only (a check of theirs was returned), so a check `
        + "cannot be taken; take cash, a money order, a card or a wire.");
    } else {
      note(row, "method", "");
    }
    if (c && c.flags.on_hold) {
      note(row, "hold", `${c.name} is on hold: the payment is taken, but tell your supervisor.`, "warning");
    } else {
      note(row, "hold", "");
    }
  };

  // --- figures: each row's applied / on account, and the batch against the control total -----
  const updateRow = (row) => {
    const s = state(row);
    const stateCell = row.querySelector("td.state");
    const raw = cell(row, "amount").value;
    const amount = parseCents(raw);
    note(row, "amount", amount === null ? amountProblem(raw)
      : amount === 0n ? "The amount must be more than zero." : "");
    let applied = 0n;
    let badAlloc = "";
    allocInputs(row).forEach((input) => {
      const value = parseCents(input.value);
      const it = s.items.find((x) => x.id === Number(input.dataset.item));
      const open = it ? fromServer(it.open_amount) : 0n;
      const left = input.closest("tr").querySelector(".left-open");
      if (value === null) {
        badAlloc = `${it ? it.number : "An item"}: ${amountProblem(input.value)}`;
        input.setAttribute("aria-invalid", "true");
        left.textContent = "";
        return;
      }
      const v = value || 0n;
      if (v > open) {
        badAlloc = `${it.number} owes only ${show(open)}.`;
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
      applied += v;
      left.textContent = v ? show(open - v) : "";
    });
    if (!badAlloc && typeof amount === "bigint" && applied > amount) {
      badAlloc = `The amounts applied add up to ${show(applied)}, more than the payment of ${show(amount)}.`;
    }
    note(row, "allocations", badAlloc);
    if (typeof amount !== "bigint") {
      stateCell.textContent = "";
    } else if (!s.picked) {
      const typed = cell(row, "customer").value.trim();
      stateCell.textContent = typed ? "" : "Unidentified: waits for its customer";
    } else {
      const rest = amount - applied;
      stateCell.innerHTML = `Applied ${show(applied)}`
        + (rest > 0n ? `<br><span class="muted">On account ${show(rest)}</span>` : "");
    }
  };
  const setFigure = (id, text, good) => {
    const el = document.getElementById(id);
    el.textContent = text;
    el.className = good === null ? "" : good ? "ok" : "bad";
  };
  const updateTotals = () => {
    let count = 0;
    let total = 0n;
    rowsOf().forEach((row) => {
      const amount = parseCents(cell(row, "amount").value);
      if (typeof amount === "bigint") { count += 1; total += amount; }
    });
    const enteredCount = config.saved_count + count;
    const enteredTotal = fromServer(config.saved_total) + total;
    document.getElementById("entered-count").textContent = String(enteredCount);
    document.getElementById("entered-total").textContent = show(enteredTotal);
    document.getElementById("saved-note").textContent = config.saved_count
      ? `${config.saved_count} already saved, ${count} in this batch` : `${count} in this batch`;
    if (config.control_count === null) setFigure("difference-count", "—", null);
    else {
      const off = enteredCount - config.control_count;
      setFigure("difference-count", `${off > 0 ? "+" : ""}${off}`, off === 0);
    }
    if (config.control_total === null) setFigure("difference-total", "—", null);
    else {
      const off = enteredTotal - fromServer(config.control_total);
      setFigure("difference-total", `${off > 0n ? "+" : ""}${show(off)}`, off === 0n);
    }
  };

  // --- moving around --------------------------------------------------------------------------
  const focusCell = (el) => { if (el) { el.focus(); if (el.select) el.select(); } };
  const nextRow = (row) => {
    const rows = rowsOf();
    return rows[rows.indexOf(row) + 1] || addRow();
  };
  const finishRow = (row) => {
    allocate(row);
    focusCell(cell(nextRow(row), "customer"));
  };
  const moveNext = (row, from) => {
    const cells = cellsOf(row);
    const k = cells.indexOf(from);
    if (from.dataset.cell === "amount" || k === cells.length - 1) finishRow(row);
    else focusCell(cells[k + 1]);
  };

  grid.addEventListener("keydown", (e) => {
    const target = e.target;
    const row = rowOf(target);
    if (!row) return;
    const s = state(row);
    if (e.key === "Delete" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); removeRow(row); return; }
    if (target.dataset.cell === "customer") {
      const list = listOf(row);
      const open = !list.hidden && s.resultsFor === target.value && s.results.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!open) { refresh(row); return; }
        const step = e.key === "ArrowDown" ? 1 : -1;
        s.active = (s.active + step + s.results.length) % s.results.length;
        renderList(row);
        return;
      }
      if (e.key === "Escape") { closeList(row); return; }
      if (e.key === "Enter") {
        e.preventDefault();
        if (target.value.trim() && !s.picked && s.resultsFor === target.value && !s.results.length) {
          note(row, "customer", `No customer or open invoice matches “${target.value}”.`);
          return;  // nothing to pick: stay and correct it
        }
        if (target.value.trim() && !s.picked) resolve(row, true);
        moveNext(row, target);
        return;
      }
      if (e.key === "Tab" && !e.shiftKey) {
        if (target.value.trim() && !s.picked) resolve(row, Boolean(open));
        return;
      }
      return;
    }
    if (e.key === "Enter" && !e.altKey) {
      e.preventDefault();
      moveNext(row, target);
      return;
    }
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && target.matches("input[data-cell]")) {
      const rows = rowsOf();
      const other = rows[rows.indexOf(row) + (e.key === "ArrowDown" ? 1 : -1)];
      if (other) { e.preventDefault(); focusCell(cell(other, target.dataset.cell)); }
    }
  });

  grid.addEventListener("input", (e) => {
    const target = e.target;
    const row = rowOf(target);
    if (!row) return;
    const s = state(row);
    if (target.dataset.cell === "customer") {
      if (s.picked && target.value !== s.pickedText) unpick(row);
      note(row, "customer", "");
      clearTimeout(s.timer);
      s.timer = setTimeout(() => refresh(row), 120);
      updateRow(row);
    } else if (target.dataset.cell === "amount") {
      clearTimeout(s.allocTimer);
      s.allocTimer = setTimeout(() => allocate(row), 250);
      updateRow(row);
      updateTotals();
    } else if (target.dataset.item) {
      s.manual = true;
      updateRow(row);
    }
  });
  grid.addEventListener("change", (e) => {
    const row = rowOf(e.target);
    if (row && e.target.dataset.cell === "method") checkMethod(row);
  });
  grid.addEventListener("focusout", (e) => {
    const row = rowOf(e.target);
    if (!row) return;
    if (e.target.dataset.cell === "customer") {
      setTimeout(() => { if (document.activeElement !== e.target) closeList(row); }, 0);
    }
    if (e.target.dataset.cell === "amount") {
      const amount = parseCents(e.target.value);
      if (typeof amount === "bigint") e.target.value = plain(amount);
      allocate(row);
    }
  });
  grid.addEventListener("mousedown", (e) => {  // the mouse works too, though nobody needs it
    const option = e.target.closest("ul.suggest li[data-k]");
    if (!option) return;
    e.preventDefault();
    const row = rowOf(option);
    const s = state(row);
    pick(row, s.results[Number(option.dataset.k)]);
    focusCell(cell(row, "payer"));
  });

  // --- saving ---------------------------------------------------------------------------------
  let saving = false;
  const collect = () => rowsOf().map((row, k) => {
    const s = state(row);
    const allocations = s.picked
      ? allocInputs(row).map((input) => ({ item: Number(input.dataset.item), amount: input.value.trim() }))
      : null;
    return {
      row: k + 1,
      customer: row.querySelector("input[data-field=customer_id]").value,
      customer_text: s.picked ? "" : cell(row, "customer").value,
      payer: cell(row, "payer").value,
      check_number: cell(row, "check_number").value,
      method: cell(row, "method").value,
      amount: cell(row, "amount").value,
      allocations,
    };
  });
  const showErrors = (body) => {
    errorBox.innerHTML = `<div class="callout error"><strong>Nothing was saved.</strong> ${escape(body.message || "")}</div>`;
    const errors = body.errors || [];
    if (errors.length > 1) {
      errorBox.firstChild.insertAdjacentHTML("beforeend",
        `<ul class="errorlist">${errors.map((x) => `<li>${escape(x.message)}</li>`).join("")}</ul>`);
    }
    const rows = rowsOf();
    let first = null;
    errors.forEach((x) => {
      const row = rows[x.row - 1];
      if (!row) return;
      note(row, x.field === "customer_text" ? "customer" : x.field, x.message);
      let target = FIELD_CELL[x.field] ? cell(row, FIELD_CELL[x.field]) : null;
      if (!target && x.field === "allocations") {
        target = (x.item && row.querySelector(`input[data-item="${x.item}"]`)) || allocInputs(row)[0] || cell(row, "amount");
      }
      if (target && x.item) target.setAttribute("aria-invalid", "true");
      if (!first) first = target;
    });
    statusLine.textContent = "";
    focusCell(first || rows[0] && cell(rows[0], "customer"));
  };
  const save = async () => {
    if (saving) return;
    saving = true;
    saveButton.disabled = true;
    statusLine.textContent = "Saving…";
    try {
      rowsOf().forEach((row) => { resolve(row, false); allocate(row); });
      while (pending.size) await Promise.allSettled([...pending]);
      const response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ rows: collect() }),
      });
      const body = await response.json().catch(() => ({ message: `The server answered ${response.status}.` }));
      if (response.ok) {
        statusLine.textContent = `Saved ${body.saved} payments.`;
        window.location.assign(body.redirect);
        return;
      }
      showErrors(body);
    } catch (err) {
      showErrors({ message: `The batch could not be sent (${err.message}); try again.` });
    } finally {
      saving = false;
      saveButton.disabled = false;
    }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); save(); });
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
      e.preventDefault();
      save();
    }
  });

  // --- start ----------------------------------------------------------------------------------
  if (config.control_total !== null) {
    document.getElementById("control-total").textContent = show(fromServer(config.control_total));
  }
  renumber();
  rowsOf().forEach((row) => updateRow(row));
  updateTotals();
  const start = rowsOf().map((row) => cell(row, "customer")).find((el) => el.getAttribute("aria-invalid")) || cell(rowsOf()[0], "customer");
  focusCell(start);
})();
