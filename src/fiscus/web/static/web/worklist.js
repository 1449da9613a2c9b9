// A worklist driven from the keyboard: j/k or the arrows move between rows, Enter opens the
// row, t takes its suggestion, d dismisses it (each a POST of the hidden form).
(function () {
  "use strict";
  const table = document.querySelector("table.worklist");
  if (!table) return;
  const rows = () => Array.from(table.querySelectorAll("tbody tr[tabindex]"));
  const form = document.getElementById("worklist-action");
  const first = rows()[0];
  if (first && !document.activeElement.closest("input, textarea, select")) first.focus();
  table.addEventListener("keydown", (event) => {
    const row = event.target.closest("tr[tabindex]");
    if (!row || event.ctrlKey || event.metaKey || event.altKey) return;
    const all = rows();
    const at = all.indexOf(row);
    const go = (n) => { const next = all[n]; if (next) { next.focus(); event.preventDefault(); } };
    const post = (url) => { if (url && form) { form.action = url; form.submit(); event.preventDefault(); } };
    switch (event.key) {
      case "j": case "ArrowDown": go(at + 1); break;
      case "k": case "ArrowUp": go(at - 1); break;
      case "Enter": window.location = row.dataset.href; event.preventDefault(); break;
      case "t": post(row.dataset.take); break;
      case "d": post(row.dataset.dismiss); break;
    }
  });
})();
