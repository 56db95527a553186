/* The report's figures follow the page: the colours of the reader's colour mode, and a layout for a narrow box.
 *
 * Each figure's div is preceded by <script type="application/json" class="report-figure-variants" data-for=ID>
 * (helpers.views.figures.output): {"light": part, "dark": part, "wide": part, "narrow": part}, each part
 * {"layout": {attribute: value}, "traces": [[trace index, attribute, value]]} in plotly.js attribute strings.
 * Before plotly.js first draws a figure, the parts for the current mode and width are written into its data and
 * layout (no flash of the other mode); when the theme's switch changes data-theme on <html>, or the box crosses
 * NARROW_PX, the figure is updated in place (Plotly.relayout / Plotly.restyle). Loaded right after plotly.js.
 */
(function () {
  'use strict';
  var NARROW_PX = 640;
  var Plotly = window.Plotly;
  if (!Plotly) { return; }

  function variants(id) {
    var island = document.querySelector('script.report-figure-variants[data-for="' + id + '"]');
    return island ? JSON.parse(island.textContent) : null;
  }
  function box(div) { return div.parentElement || div; }
  function state(div) {
    var dark = document.documentElement.getAttribute('data-theme') === 'dark';
    return [dark ? 'dark' : 'light', box(div).clientWidth < NARROW_PX ? 'narrow' : 'wide'];
  }
  // 'annotations[2].font.color' -> ['annotations', 2, 'font', 'color']
  function steps(path) {
    return path.replace(/\[(\d+)\]/g, '.$1').split('.').map(function (s) { return /^\d+$/.test(s) ? Number(s) : s; });
  }
  function put(target, path, value) {
    var parts = steps(path);
    for (var i = 0; i < parts.length - 1; i += 1) {
      if (target[parts[i]] === undefined || target[parts[i]] === null) {
        target[parts[i]] = typeof parts[i + 1] === 'number' ? [] : {};
      }
      target = target[parts[i]];
    }
    target[parts[parts.length - 1]] = value;
  }
  function parts(found, keys) {
    return keys.map(function (key) { return found[key]; }).filter(Boolean);
  }
  // plotly's HTML gives the figure's wrapper the figure's height: a part that changes the height changes it too.
  function fitHeight(div, part) {
    var height = part.layout && part.layout.height;
    if (typeof height === 'number' && div.parentElement) { div.parentElement.style.height = height + 'px'; }
  }

  var newPlot = Plotly.newPlot;
  Plotly.newPlot = function (gd, data, layout) {
    var div = typeof gd === 'string' ? document.getElementById(gd) : gd;
    var found = div && variants(div.id);
    if (found) {
      var keys = state(div);
      parts(found, keys).forEach(function (part) {
        fitHeight(div, part);
        Object.keys(part.layout || {}).forEach(function (path) { put(layout, path, part.layout[path]); });
        (part.traces || []).forEach(function (t) { if (data[t[0]]) { put(data[t[0]], t[1], t[2]); } });
      });
      div.reportState = keys.join(' ');
    }
    return newPlot.apply(this, arguments);
  };

  function refresh(div) {
    var keys = state(div);
    if (!div.reportState || div.reportState === keys.join(' ')) { return; }
    var found = variants(div.id);
    div.reportState = keys.join(' ');
    parts(found, keys).forEach(function (part) {
      var byTrace = {};
      (part.traces || []).forEach(function (t) {
        (byTrace[t[0]] = byTrace[t[0]] || {})[t[1]] = [t[2]];
      });
      fitHeight(div, part);
      Object.keys(byTrace).forEach(function (index) { Plotly.restyle(div, byTrace[index], [Number(index)]); });
      if (part.layout && Object.keys(part.layout).length) { Plotly.relayout(div, part.layout); }
    });
  }
  function refreshAll() {
    document.querySelectorAll('.plotly-graph-div').forEach(refresh);
  }
  new MutationObserver(refreshAll).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  var pending = null;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(refreshAll, 150);
  });
}());
