// Live tallies: every two seconds, read the campaign's public tally and update the numbers shown.
(function () {
  var list = document.querySelector("[data-tally-url]");
  if (!list) { return; }
  var url = list.getAttribute("data-tally-url");
  function refresh() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.ideas.forEach(function (idea) {
          var el = document.querySelector('[data-tally="' + idea.idea_id + '"]');
          if (el && el.textContent !== String(idea.supports)) { el.textContent = String(idea.supports); }
        });
      })
      .catch(function () {})
      .then(function () { setTimeout(refresh, 2000); });
  }
  setTimeout(refresh, 1000);
})();
