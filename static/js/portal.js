// Small behaviours of the portal's pages, kept out of the HTML so the
// Content-Security-Policy can forbid inline script.
//   <select data-autosubmit>            submits its form when changed
//   <input type="checkbox" data-check-all="input[name=ids]">  ticks or clears every matching box
//   <form data-confirm="question">      asks before submitting
//   #menu-toggle  the phone menu's checkbox (it works without script): Escape folds the menu
"use strict";

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
  if (target.matches("input[type=checkbox][data-check-all]")) {
    document.querySelectorAll(target.dataset.checkAll).forEach((box) => { box.checked = target.checked; });
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

const menuToggle = document.getElementById("menu-toggle");
if (menuToggle) {
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menuToggle.checked) {
      menuToggle.checked = false;
      menuToggle.focus();
    }
  });
}
