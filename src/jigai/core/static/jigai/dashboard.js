/* The dashboard's chart (dashboard/home.html): target and completed area by county,
   drawn by ECharts from the json_script block "chart-data"; its words come
   from the element's data-text-* attributes. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("chart");
    if (!el || typeof echarts === "undefined") { return; }
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var text = el.dataset;  // data-text-* attributes: the translated words
    var chart = echarts.init(el);
    var series = data.categories.map(function (name, i) {
      return {name: name, type: "bar", stack: "target", data: data.targets.map(function (row) { return row[i]; })};
    });
    series.push({name: text.textInProgress, type: "bar", data: data.in_progress});
    series.push({name: text.textCompleted, type: "bar", data: data.completed});
    chart.setOption({
      tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 50, right: 20, top: 50, bottom: 30},
      xAxis: {type: "category", data: data.counties},
      yAxis: {type: "value", name: text.textUnit},
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
  });
})();
