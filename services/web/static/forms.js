// A form the server refused comes back with an error summary: move focus to it, so that a
// screen reader reads it and a keyboard user starts from it (the GOV.UK pattern).
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
