// SoloOps console: the few behaviours plain HTML lacks. No build step, no framework.
// - <form data-confirm="Accept order 1042?">: asks before submitting (buttons that change things).
// - <select data-autosubmit>: submits its form when changed (language switch, filters).
// - <button data-toggle="ID" aria-expanded>: shows or hides the element ID (class "open").
// - <input type="checkbox" data-select-all="orders">: ticks or unticks every checkbox named
//   "orders" in its form, and follows them (ticked when all are, mixed when some are).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm || (event.submitter && event.submitter.dataset.confirm);
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.form || box.type !== "checkbox") {
    return;
  }
  const name = box.dataset.selectAll || box.name;
  const all = box.form.querySelector(`input[data-select-all="${name}"]`);
  if (!all) {
    return;
  }
  const items = [...box.form.querySelectorAll(`input[type="checkbox"][name="${name}"]`)];
  if (box === all) {
    items.forEach((item) => { item.checked = all.checked; });
  }
  const ticked = items.filter((item) => item.checked).length;
  all.checked = ticked === items.length;
  all.indeterminate = ticked > 0 && ticked < items.length;
});
// - <table class="cards">: on a phone each row is a card (soloops.css); each cell gets its
//   column's heading as data-label, shown as the figure's small label.
function labelCardCells(root) {
  root.querySelectorAll("table.cards").forEach((table) => {
    const headings = [...table.querySelectorAll("thead tr:first-child > th")].map(
      (th) => th.textContent.trim(),
    );
    table.querySelectorAll("tbody tr").forEach((row) => {
      let column = 0;
      [...row.cells].forEach((cell) => {
        if (headings[column] && !cell.hasAttribute("data-label")) {
          cell.dataset.label = headings[column];
        }
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelCardCells(document));
document.addEventListener("htmx:afterSwap", () => labelCardCells(document));
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-toggle]");
  if (!button) {
    return;
  }
  const target = document.getElementById(button.dataset.toggle);
  const open = target.classList.toggle("open");
  button.setAttribute("aria-expanded", String(open));
});
// - <input data-select-on-focus>: selects its text when focused (a secret shown once).
document.addEventListener("focusin", (event) => {
  if (event.target.matches("input[data-select-on-focus]")) {
    event.target.select();
  }
});
// - <button data-copy="ID" data-copied="Copied." data-copied-into="ID2">: copies the value of
//   the field ID to the clipboard and says data-copied in ID2. (No inline scripts: the
//   Content-Security-Policy allows scripts from the site's own files only.)
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const box = document.getElementById(button.dataset.copy);
  box.select();
  try {
    await navigator.clipboard.writeText(box.value);
  } catch (e) {
    document.execCommand("copy");
  }
  const said = document.getElementById(button.dataset.copiedInto);
  if (said) {
    said.textContent = button.dataset.copied;
  }
});
