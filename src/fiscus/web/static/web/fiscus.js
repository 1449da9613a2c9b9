// Keyboard: "/" focuses the search box from anywhere (unless typing in a field).
document.addEventListener("keydown", (e) => {
  const tag = (e.target.tagName || "").toLowerCase();
  if (e.key === "/" && !["input", "textarea", "select"].includes(tag) && !e.target.isContentEditable) {
    const box = document.getElementById("global-search");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  }
});
// The first field of a form marked data-autofocus gets the focus.
document.addEventListener("DOMContentLoaded", () => {
  const first = document.querySelector("form[data-autofocus] :is(input, select, textarea):not([type=hidden])");
  if (first && !document.querySelector("[autofocus]")) first.focus();
});
