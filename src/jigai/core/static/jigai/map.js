/* The survey map (buildings/map.html): ECharts scatter of the markers the server
   aggregated (jigai.buildings.mapgrid). Its data come from json_script blocks, its
   settings and words from the map element's data- attributes; every
   text put into the tooltip, which ECharts renders as HTML, is escaped first: names
   come from imported survey tables and are never markup. */
(function () {
  "use strict";
  var ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ENTITIES[c];
    });
  }

  function json(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  /* The tooltip's HTML for a marker: a cell [lon, lat, n, area, counts] or a building
     [lon, lat, status, label, id]. ``labels`` maps a status to its name; ``statuses``
     is the order of a cell's counts; ``text`` holds the translated words. */
  function tooltipHtml(v, labels, statuses, text) {
    if (typeof v[2] === "number") {
      var lines = [escapeHtml(v[2] + " " + text.buildings + ", " + text.area + " " + Number(v[3]).toLocaleString())];
      v[4].forEach(function (n, j) {
        if (n) { lines.push(escapeHtml(labels[statuses[j]] + ": " + n)); }
      });
      return lines.join("<br>");
    }
    return escapeHtml(v[3] || v[2]);
  }

  function start() {
    var mapEl = document.getElementById("map");
    if (!mapEl || typeof echarts === "undefined") { return; }
    var data = json("map-data");
    var seats = json("map-seats");
    var statuses = json("map-statuses");
    var extent = json("map-extent");
    var config = {maxZoom: Number(mapEl.dataset.maxZoom), url: mapEl.dataset.url, listUrl: mapEl.dataset.listUrl};
    var text = {buildings: mapEl.dataset.textBuildings, area: mapEl.dataset.textArea, seat: mapEl.dataset.textSeat};
    var labels = {};
    statuses.forEach(function (s) { labels[s[0]] = s[1]; });
    var colours = {eligible: "#0b6e4f", exception: "#2f80ed", excluded: "#b42318", incomplete: "#f2a900", unscreened: "#9aa5b1"};
    var modeEl = document.getElementById("map-mode");
    var pad = 0.02;

    function series(d) {
      var out;
      if (d.mode === "points") {
        out = statuses.map(function (s) {
          return {name: s[1], type: "scatter", symbolSize: 6, itemStyle: {color: colours[s[0]]},
                  data: d.points.filter(function (p) { return p[2] === s[0]; })};
        });
      } else {
        out = statuses.map(function (s) {
          return {name: s[1], type: "scatter", itemStyle: {color: colours[s[0]], opacity: 0.8},
                  symbolSize: function (v) { return 10 + 5 * Math.log2(v[2]); },
                  label: {show: true, formatter: function (p) { return String(p.data[2]); }, color: "#fff", fontSize: 10},
                  data: d.cells.filter(function (c) {
                    var top = 0;
                    c[4].forEach(function (n, j) { if (n > c[4][top]) { top = j; } });
                    return d.statuses[top] === s[0];
                  })};
        });
      }
      out.push({name: text.seat, type: "scatter", symbol: "diamond", symbolSize: 14,
                itemStyle: {color: "#1f2933"},
                label: {show: true, formatter: function (p) { return String(p.data[2]); }, position: "right"},
                tooltip: {formatter: function (p) { return escapeHtml(p.data[2]); }},
                data: seats});
      return out;
    }

    var chart = echarts.init(mapEl);
    var axis = function (name, lo, hi) { return {type: "value", name: name, scale: true, min: lo, max: hi}; };
    chart.setOption({
      tooltip: {formatter: function (p) { return tooltipHtml(p.data, labels, data.statuses, text); }},
      legend: {top: 0},
      grid: {left: 8, right: 28, bottom: 8, top: 64, containLabel: true},  // axis labels whole on a phone
      xAxis: extent ? axis("°E", +(extent[0] - pad).toFixed(3), +(extent[2] + pad).toFixed(3)) : axis("°E"),
      yAxis: extent ? axis("°N", +(extent[1] - pad).toFixed(3), +(extent[3] + pad).toFixed(3)) : axis("°N"),
      dataZoom: [{type: "inside", xAxisIndex: 0, filterMode: "none"}, {type: "inside", yAxisIndex: 0, filterMode: "none"}],
      series: series(data)
    });

    function show(d) {
      data = d; mapEl.dataset.mode = d.mode; modeEl.dataset.mode = d.mode;
      chart.setOption({series: series(d)}, {replaceMerge: ["series"]});
    }

    var timer = null;
    chart.on("datazoom", function () {
      if (!extent) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        var x = chart.getModel().getComponent("xAxis", 0).axis.scale.getExtent();
        var y = chart.getModel().getComponent("yAxis", 0).axis.scale.getExtent();
        var zoom = Math.max(0, Math.min(config.maxZoom, Math.round(Math.log2((extent[2] - extent[0] + 2 * pad) / (x[1] - x[0])) + 2)));
        var q = new URLSearchParams(window.location.search);
        q.set("format", "json"); q.set("zoom", zoom);
        q.set("bbox", [x[0], y[0], x[1], y[1]].map(function (n) { return n.toFixed(5); }).join(","));
        fetch(config.url + "?" + q.toString(), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) { if (d) { show(d); } });
      }, 250);
    });
    chart.on("click", function (p) {
      if (p.data && p.data.length === 5 && typeof p.data[2] === "string") {
        window.location = config.listUrl + encodeURIComponent(p.data[4]) + "/";
      }
    });
    mapEl.dataset.mode = data.mode;
    mapEl.dataset.ready = "1";
  }

  window.jigaiMap = {escapeHtml: escapeHtml, tooltipHtml: tooltipHtml};
  document.addEventListener("DOMContentLoaded", start);
})();
