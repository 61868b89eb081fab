// Progressive enhancement only: every page works without this file (no inline scripts: the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  var token = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
  });

  // <form data-confirm="question">: ask before submitting (delete, revoke, ...).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // <form data-audience-form>: show the region choice or the partner choice only for the chosen audience.
  document.querySelectorAll("form[data-audience-form]").forEach(function (form) {
    var radios = form.querySelectorAll('input[name="audience"]');
    function sync() {
      var chosen = form.querySelector('input[name="audience"]:checked');
      form.querySelectorAll("[data-audience]").forEach(function (block) {
        block.hidden = !chosen || block.getAttribute("data-audience") !== chosen.value;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  });
});
