/* Search, sort and pages for the tables marked "report-findable" (helpers.tables), with no library.
 *
 * A table either holds its rows in its body, or (when it has too many to ship as HTML rows) names a
 * JSON island with data-rows="ID": {"strings": [...], "html": [true|false per column], "rows": [[i, ...]]},
 * each row a list of indexes into "strings" (repeated cells are stored once). Cells of a column marked
 * html were escaped and built by helpers.tables; every other cell is set as text.
 */
(function () {
  "use strict";
  var PAGE_SIZES = [10, 25, 50, 100, 0]; // 0: all rows
  // A table of up to ALL_ROWS_UP_TO rows shows them all (the browser's own find works on it); longer
  // tables show pages of PAGE_SIZE rows.
  var ALL_ROWS_UP_TO = 100;
  var PAGE_SIZE = 25;

  function element(name, attributes, text) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b, undefined, { sensitivity: "base", numeric: true });
  }

  // The query as words and "quoted phrases"; a row matches when each one begins a word in it
  // (so "CMO 7" finds CMO 7.1 and 7.2, not CMO 17; "2020" does not find 12020).
  function matchers(query) {
    var units = [];
    query.toLowerCase().replace(/"([^"]+)"|(\S+)/g, function (all, phrase, word) { units.push(phrase || word); return all; });
    return units.map(function (unit) {
      return new RegExp("(?:^|[^\\p{L}\\p{N}])" + unit.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
    });
  }

  function rowsOf(table) {
    var islandId = table.getAttribute("data-rows");
    var scratch = document.createElement("div");
    if (!islandId) {
      return Array.prototype.map.call(table.tBodies[0].rows, function (tr) {
        return { element: tr, keys: Array.prototype.map.call(tr.cells, function (td) { return td.textContent.trim(); }) };
      });
    }
    var data = JSON.parse(document.getElementById(islandId).textContent);
    return data.rows.map(function (indexes) {
      var cells = indexes.map(function (i) { return data.strings[i]; });
      return {
        element: null,
        cells: cells,
        html: data.html,
        keys: cells.map(function (value, column) {
          if (!data.html[column]) return value;
          scratch.innerHTML = value;
          return scratch.textContent.trim();
        })
      };
    });
  }

  function rowElement(row) {
    if (!row.element) {
      var tr = document.createElement("tr");
      row.cells.forEach(function (value, column) {
        var td = document.createElement("td");
        if (row.html[column]) td.innerHTML = value; else td.textContent = value;
        tr.appendChild(td);
      });
      row.element = tr;
    }
    return row.element;
  }

  function setup(table) {
    var id = table.id;
    var rows = rowsOf(table);
    rows.forEach(function (row, i) { row.order = i; row.search = row.keys.join(" \n ").toLowerCase(); });
    var state = { query: "", column: -1, direction: 1, page: 0, size: rows.length <= ALL_ROWS_UP_TO ? 0 : PAGE_SIZE };
    var wrap = table.closest(".report-table-wrap") || table;

    var controls = element("div", { "class": "report-findable-controls" });
    var searchLabel = element("label", { "for": id + "-search" }, "Search the table: ");
    var search = element("input", { type: "search", id: id + "-search", "aria-controls": id });
    var sizeLabel = element("label", { "for": id + "-size" }, "Rows per page: ");
    var size = element("select", { id: id + "-size", "aria-controls": id });
    PAGE_SIZES.forEach(function (n) {
      var option = element("option", { value: String(n) }, n ? String(n) : "all");
      if (n === state.size) option.selected = true;
      size.appendChild(option);
    });
    controls.append(searchLabel, search, sizeLabel, size);
    var pager = element("div", { "class": "report-findable-pager" });
    var previous = element("button", { type: "button", "aria-controls": id }, "Previous page");
    var status = element("span", { role: "status", "aria-live": "polite" });
    var next = element("button", { type: "button", "aria-controls": id }, "Next page");
    pager.append(previous, status, next);
    wrap.parentNode.insertBefore(controls, wrap);
    wrap.parentNode.insertBefore(pager, wrap.nextSibling);

    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, column) {
      var button = element("button", { type: "button", "class": "report-sort" }, th.textContent);
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        state.direction = state.column === column ? -state.direction : 1;
        state.column = column;
        state.page = 0;
        headers.forEach(function (other, i) {
          other.setAttribute("aria-sort", i !== column ? "none" : state.direction > 0 ? "ascending" : "descending");
        });
        render();
      });
    });

    function render() {
      var tests = matchers(state.query);
      var shown = rows.filter(function (row) {
        return tests.every(function (test) { return test.test(row.search); });
      });
      if (state.column >= 0) {
        shown.sort(function (a, b) {
          return state.direction * compare(a.keys[state.column], b.keys[state.column]) || a.order - b.order;
        });
      }
      var per = state.size || shown.length || 1;
      var pages = Math.max(1, Math.ceil(shown.length / per));
      state.page = Math.min(state.page, pages - 1);
      var first = state.page * per;
      var page = shown.slice(first, first + per);
      table.tBodies[0].replaceChildren.apply(table.tBodies[0], page.map(rowElement));
      var of = shown.length === rows.length ? "" : " (filtered from " + rows.length + ")";
      status.textContent = shown.length
        ? "Rows " + (first + 1) + " to " + (first + page.length) + " of " + shown.length + of
        : "No rows match" + of;
      previous.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }

    var pending = null;
    search.addEventListener("input", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { state.query = search.value; state.page = 0; render(); }, 120);
    });
    size.addEventListener("change", function () { state.size = Number(size.value); state.page = 0; render(); });
    previous.addEventListener("click", function () { state.page -= 1; render(); });
    next.addEventListener("click", function () { state.page += 1; render(); });
    table.classList.add("report-findable-ready");
    render();
  }

  function start() { document.querySelectorAll("table.report-findable").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
