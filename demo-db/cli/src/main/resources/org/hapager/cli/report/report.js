/* hapager workload report: draws the two time charts with uPlot from the JSON in #report-data.
 * Afterwards body[data-charts] holds the number of charts drawn, body[data-chart-error] the message of any
 * drawing that failed, and each chart's element data-events-drawn the number of event markers on it (a test in
 * headless Chromium reads them). Data from the result is only ever read with
 * JSON.parse and drawn on the canvas or set as text, never as HTML. */
(function () {
  "use strict";

  var body = document.body;
  var errors = [];
  var plots = [];

  function fail(where, e) {
    errors.push(where + ": " + (e && e.message ? e.message : String(e)));
  }

  /** Zero-based y range with some headroom; [0, 1] when there is no data at all. */
  function fromZero(u, min, max) {
    if (max == null || !isFinite(max) || max <= 0) {
      return [0, 1];
    }
    return [0, max * 1.15];
  }

  /**
   * The freezes: each sigstop to the next sigcont, or to the fencing that killed the frozen server (or to the
   * end of the run).
   */
  function freezes(events, end) {
    var out = [];
    var open = null;
    events.forEach(function (e) {
      if (e.kind === "sigstop" && open === null) {
        open = e.at;
      } else if ((e.kind === "sigcont" || e.kind === "fenced") && open !== null) {
        out.push([open, e.at]);
        open = null;
      }
    });
    if (open !== null) {
      out.push([open, end]);
    }
    return out;
  }

  /** A uPlot plugin: every event as a dashed vertical line at its time, its kind written beside it. */
  function eventMarkers(events, end, el) {
    var bands = freezes(events, end);
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          var dpr = uPlot.pxRatio || 1;
          var top = u.bbox.top;
          var height = u.bbox.height;
          var left = u.bbox.left;
          var right = left + u.bbox.width;
          var rowHeight = Math.round(14 * dpr);
          var rowsEnd = [];
          var drawn = 0;
          ctx.save();
          bands.forEach(function (b) {
            var x0 = Math.max(left, u.valToPos(b[0], "x", true));
            var x1 = Math.min(right, u.valToPos(b[1], "x", true));
            if (x1 > x0) {
              ctx.fillStyle = "rgba(255, 127, 14, 0.10)";
              ctx.fillRect(x0, top, x1 - x0, height);
            }
          });
          ctx.font = "600 " + Math.round(11 * dpr) + "px system-ui, sans-serif";
          ctx.textAlign = "left";
          ctx.textBaseline = "top";
          events.forEach(function (e) {
            var x = Math.round(u.valToPos(e.at, "x", true));
            if (!isFinite(x) || x < left - 1 || x > right + 1) {
              return;
            }
            ctx.strokeStyle = e.color;
            ctx.lineWidth = 1.5 * dpr;
            ctx.setLineDash([5 * dpr, 3 * dpr]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.setLineDash([]);
            var text = String(e.kind);
            if (text.length > 24) {
              text = text.substring(0, 23) + "\u2026";
            }
            var w = ctx.measureText(text).width;
            var tx = x + 3 * dpr;
            if (tx + w > right) {
              tx = Math.max(left, x - 3 * dpr - w);
            }
            var row = 0;
            while (row < rowsEnd.length && rowsEnd[row] > tx) {
              row++;
            }
            if (row > 5) {
              row = 5;
            }
            rowsEnd[row] = tx + w + 6 * dpr;
            var y = top + 3 * dpr + row * rowHeight;
            ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
            ctx.fillRect(tx - 2 * dpr, y - 1 * dpr, w + 4 * dpr, rowHeight - 1 * dpr);
            ctx.fillStyle = e.color;
            ctx.fillText(text, tx, y);
            drawn++;
          });
          ctx.restore();
          el.dataset.eventsDrawn = String(drawn);
        }]
      }
    };
  }

  function widthOf(el) {
    return Math.max(320, Math.floor(el.clientWidth || 900));
  }

  /** Draws a chart; rightGap leaves the room of a right-hand axis, so that both charts' time axes line up. */
  function draw(id, title, series, axes, data, d, rightGap) {
    var el = document.getElementById(id);
    var opts = {
      title: title,
      width: widthOf(el),
      height: 300,
      plugins: [eventMarkers(d.events, d.end_s, el)],
      scales: {
        x: { time: false, range: function () { return [0, d.end_s]; } }
      },
      series: [{ label: "time", value: function (u, v) { return v == null ? "-" : v.toFixed(1) + " s"; } }]
          .concat(series),
      axes: [{ label: "seconds since the start", labelSize: 24 }].concat(axes),
      legend: { live: true }
    };
    if (rightGap) {
      opts.padding = [null, rightGap, null, null];
    }
    series.forEach(function (s) {
      if (!opts.scales[s.scale]) {
        opts.scales[s.scale] = { range: fromZero };
      }
    });
    plots.push(new uPlot(opts, data, el));
  }

  /** A series; its points are drawn only when there are too few of them for a line. */
  function line(label, scale, color, width, dash) {
    return {
      label: label, scale: scale, stroke: color, width: width, dash: dash, spanGaps: false,
      points: { show: d.t.length <= 2, size: 7, fill: color },
      value: function (u, v) { return v == null ? "-" : v.toFixed(1); }
    };
  }

  function axis(scale, label, side) {
    return { scale: scale, label: label, side: side, grid: { show: side !== 1 }, labelSize: 24, size: 60 };
  }

  var d;
  try {
    d = JSON.parse(document.getElementById("report-data").textContent);
  } catch (e) {
    fail("data", e);
  }

  if (d) {
    try {
      var tpsSeries = [line("tps", "tps", "#2a7f3f", 2)];
      var tpsAxes = [axis("tps", "transactions / s", 3)];
      var tpsData = [d.t, d.tps];
      if (d.has_tpmC) {
        tpsSeries.push(line("tpmC", "tpmC", "#7b3fa0", 1.5, [6, 3]));
        tpsAxes.push(axis("tpmC", "tpmC (New-Orders / min)", 1));
        tpsData.push(d.tpmC);
      }
      draw("chart-throughput", "Throughput", tpsSeries, tpsAxes, tpsData, d);
    } catch (e) {
      fail("throughput", e);
    }
    try {
      draw("chart-latency", "Latency",
          [line("avg ms", "ms", "#1b6fa8", 2), line("p99 ms", "ms", "#c0582b", 1.5)],
          [axis("ms", "milliseconds", 3)], [d.t, d.lat_avg, d.lat_p99], d, d.has_tpmC ? 84 : 0);
    } catch (e) {
      fail("latency", e);
    }
  }

  var pending = false;
  function resize() {
    plots.forEach(function (u) {
      u.setSize({ width: widthOf(u.root.parentNode), height: 300 });
    });
  }
  window.addEventListener("resize", function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () { pending = false; resize(); });
    }
  });
  window.addEventListener("beforeprint", function () {
    plots.forEach(function (u) { u.setSize({ width: 680, height: 260 }); });
  });
  window.addEventListener("afterprint", resize);

  body.dataset.charts = String(plots.length);
  if (errors.length > 0) {
    body.dataset.chartError = errors.join("; ");
  }
})();
