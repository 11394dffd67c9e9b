// Dashboard charts: fetch /api/v1/dashboard with the page's filters and draw them with the
// vendored Chart.js (global `Chart`). Labels come translated from #dashboard-labels; each
// canvas gets data-ready="true" once drawn. The tables under each chart carry the numbers.
(function () {
  "use strict";

  var COLOURS = { found: "#2f6fdf", confirmed: "#c62828", removed: "#2e7d32" };
  var METRICS = ["found", "confirmed", "removed"];

  function labels() {
    var node = document.getElementById("dashboard-labels");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (_e) { return {}; }
  }

  function metricName(words, metric) {
    return (words.metrics && words.metrics[metric]) || metric;
  }

  function ready(canvas) {
    canvas.setAttribute("data-ready", "true");
  }

  function baseOptions(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    };
    Object.keys(extra || {}).forEach(function (key) { options[key] = extra[key]; });
    return options;
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    var existing = window.Chart.getChart ? window.Chart.getChart(canvas) : null;
    if (existing) { existing.destroy(); }
    new window.Chart(canvas, config);
    ready(canvas);
  }

  function seriesChart(data, words) {
    draw("chart-series", {
      type: "line",
      data: {
        labels: data.series.map(function (row) { return row.day; }),
        datasets: METRICS.map(function (metric) {
          return {
            label: metricName(words, metric),
            data: data.series.map(function (row) { return row[metric]; }),
            borderColor: COLOURS[metric],
            backgroundColor: COLOURS[metric],
            tension: 0.2,
            pointRadius: data.series.length > 60 ? 0 : 2
          };
        })
      },
      options: baseOptions()
    });
  }

  function stackedChart(id, rows, nameOf, words) {
    var options = baseOptions();
    options.scales = {
      x: { stacked: true },
      y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
    };
    draw(id, {
      type: "bar",
      data: {
        labels: rows.map(nameOf),
        datasets: METRICS.map(function (metric) {
          return {
            label: metricName(words, metric),
            data: rows.map(function (row) { return row[metric]; }),
            backgroundColor: COLOURS[metric]
          };
        })
      },
      options: options
    });
  }

  function ttdChart(ttd, words) {
    var options = baseOptions();
    options.plugins = { legend: { display: false } };
    draw("chart-ttd", {
      type: "bar",
      data: {
        labels: ttd.buckets.map(function (bucket) {
          return (words.buckets && words.buckets[bucket.key]) || bucket.label;
        }),
        datasets: [{
          label: words.removals || "Removals",
          data: ttd.buckets.map(function (bucket) { return bucket.count; }),
          backgroundColor: COLOURS.removed
        }]
      },
      options: options
    });
  }

  function showError(words, error) {
    var slot = document.querySelector("[data-dashboard-error]");
    if (!slot) { return; }
    var text = words.failed || "{error}";
    slot.textContent = text.replace("{error}", error && error.message ? error.message : String(error));
    slot.hidden = false;
  }

  function start() {
    var root = document.getElementById("dashboard");
    if (!root || !window.IG || typeof window.Chart === "undefined") { return; }
    var words = labels();
    var unknown = words.unknown || "unknown";
    window.IG.api("GET", root.getAttribute("data-src"))
      .then(function (data) {
        seriesChart(data, words);
        stackedChart("chart-artists", data.by_artist, function (row) {
          return row.artist_id === null ? unknown : row.artist;
        }, words);
        stackedChart("chart-platforms", data.by_platform, function (row) {
          return row.platform === "unknown" ? unknown : row.platform;
        }, words);
        ttdChart(data.time_to_takedown, words);
        root.setAttribute("data-ready", "true");
      })
      .catch(function (error) { showError(words, error); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
