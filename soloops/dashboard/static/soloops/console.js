// SoloOps console: the few behaviours plain HTML lacks. No build step, no framework.
// - <form data-confirm="Accept order 1042?">: asks before submitting (buttons that change things).
// - <select data-autosubmit>: submits its form when changed (language switch, filters).
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
