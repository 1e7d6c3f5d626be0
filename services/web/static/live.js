// Live tallies: every two seconds, read the campaign's public tally and update the numbers shown
// (for and against), written the way the page's language writes numbers.
(function () {
  var list = document.querySelector("[data-tally-url]");
  if (!list) { return; }
  var url = list.getAttribute("data-tally-url");
  var locale = document.documentElement.lang === "da" ? "da-DK" : "en-GB";
  function put(selector, value) {
    var el = document.querySelector(selector);
    var text = Number(value).toLocaleString(locale);
    if (el && el.textContent !== text) { el.textContent = text; }
  }
  function refresh() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.ideas.forEach(function (idea) {
          put('[data-tally="' + idea.idea_id + '"]', idea.supports);
          put('[data-opposes="' + idea.idea_id + '"]', idea.opposes);
        });
      })
      .catch(function () {})
      .then(function () { setTimeout(refresh, 2000); });
  }
  setTimeout(refresh, 1000);
})();
