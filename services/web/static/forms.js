// A form the server refused comes back with an error summary: move focus to it, so that a
// screen reader reads it and a keyboard user starts from it (the GOV.UK pattern).
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
// "Select all": ticks or clears every checkbox of the form with the name it names.
(function () {
  document.querySelectorAll("[data-selects]").forEach(function (all) {
    all.addEventListener("change", function () {
      var name = all.getAttribute("data-selects");
      all.form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
})();
