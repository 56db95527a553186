/* Filters for long tables whose rows all stay in the HTML (helpers.views.filters), with no library.
 *
 * A form.report-filter[data-filter-for=ID] is written hidden; this script shows it. Its selects
 * (data-filter-key=KEY) keep the rows of element ID whose data-KEY equals the chosen value; its search box
 * (data-filter-text) keeps the rows holding every word typed, each at the start of a word. Rows are hidden,
 * never removed; a group heading row (th[scope=rowgroup]) and a table left with no rows are hidden with them.
 * The form's live region says how many rows are shown. A link to a row the filters hide clears them first.
 */
(function () {
  "use strict";

  function matchers(query) {
    return query.toLowerCase().split(/\s+/).filter(Boolean).map(function (word) {
      return new RegExp("(?:^|[^\\p{L}\\p{N}])" + word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
    });
  }

  function setup(form) {
    var scope = document.getElementById(form.getAttribute("data-filter-for"));
    if (!scope) return;
    var rows = Array.prototype.slice.call(scope.querySelectorAll("tr[data-filter-row]"));
    var texts = rows.map(function (row) { return row.textContent.replace(/\s+/g, " ").toLowerCase(); });
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter-key]"));
    var search = form.querySelector("[data-filter-text]");
    var status = form.querySelector("[role=status]");
    var noun = form.getAttribute("data-filter-noun") || "rows";

    function apply() {
      var tests = matchers(search.value);
      var shown = 0;
      rows.forEach(function (row, i) {
        var keep = selects.every(function (select) {
          return !select.value || row.getAttribute("data-" + select.getAttribute("data-filter-key")) === select.value;
        }) && tests.every(function (test) { return test.test(texts[i]); });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      scope.querySelectorAll("tbody").forEach(function (body) {
        var heading = null, headingHasRows = false;
        Array.prototype.forEach.call(body.rows, function (row) {
          if (row.querySelector("th[scope=rowgroup]")) {
            if (heading) heading.hidden = !headingHasRows;
            heading = row;
            headingHasRows = false;
          } else if (row.hasAttribute("data-filter-row") && !row.hidden) {
            headingHasRows = true;
          }
        });
        if (heading) heading.hidden = !headingHasRows;
        var table = body.closest("table");
        var wrap = table.closest(".report-table-wrap") || table;
        wrap.hidden = !body.querySelector("tr[data-filter-row]:not([hidden])");
      });
      var filtered = shown !== rows.length;
      status.textContent = filtered ? "Showing " + shown + " of " + rows.length + " " + noun + "." : "Showing all " + rows.length + " " + noun + ".";
    }

    var pending = null;
    search.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(apply, 150); });
    selects.forEach(function (select) { select.addEventListener("change", apply); });
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });

    function reveal() {
      var id = decodeURIComponent(location.hash.slice(1));
      var target = id && document.getElementById(id);
      if (target && scope.contains(target) && target.closest("[hidden]")) {
        form.reset();
        apply();
        target.scrollIntoView();
      }
    }
    window.addEventListener("hashchange", reveal);
    form.hidden = false;
    apply();
  }

  function start() { document.querySelectorAll("form.report-filter[data-filter-for]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
