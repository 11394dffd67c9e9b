// Review queue and item pages: keyboard shortcuts, face boxes and heatmaps over the preview,
// and moving on to the next item after a decision. No inline code: the CSP forbids it.
(function () {
  "use strict";

  function typing(event) {
    var target = event.target;
    if (!(target instanceof Element)) { return false; }
    if (target.isContentEditable) { return true; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function modified(event) {
    return event.ctrlKey || event.metaKey || event.altKey;
  }

  function toggleHelp() {
    var help = document.getElementById("review-help");
    if (help) { help.hidden = !help.hidden; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-help-toggle]") : null;
    if (button) { event.preventDefault(); toggleHelp(); }
  });

  // ------------------------------------------------------------------ the queue
  function setUpQueue(root) {
    var rows = Array.prototype.slice.call(root.querySelectorAll("tr[data-href]"));
    var selected = rows.length ? 0 : -1;

    function select(index) {
      if (!rows.length) { return; }
      selected = Math.max(0, Math.min(rows.length - 1, index));
      rows.forEach(function (row, i) {
        row.classList.toggle("selected", i === selected);
        if (i === selected) { row.setAttribute("aria-selected", "true"); } else { row.removeAttribute("aria-selected"); }
      });
      rows[selected].scrollIntoView({ block: "nearest" });
    }

    rows.forEach(function (row, i) {
      row.addEventListener("click", function (event) {
        if (event.target instanceof Element && event.target.closest("a")) { return; }
        select(i);
        window.location.assign(row.getAttribute("data-href"));
      });
    });
    if (rows.length) { select(0); }

    document.addEventListener("keydown", function (event) {
      if (typing(event) || modified(event)) { return; }
      if (event.key === "j" || event.key === "ArrowDown") { event.preventDefault(); select(selected + 1); }
      else if (event.key === "k" || event.key === "ArrowUp") { event.preventDefault(); select(selected - 1); }
      else if ((event.key === "Enter" || event.key === "o") && selected >= 0) {
        event.preventDefault();
        window.location.assign(rows[selected].getAttribute("data-href"));
      } else if (event.key === "?") { event.preventDefault(); toggleHelp(); }
    });
  }

  // ------------------------------------------------------------------ an item
  function percent(element, name) {
    var value = parseFloat(element.getAttribute("data-" + name));
    return (isFinite(value) ? value * 100 : 0) + "%";
  }

  function placeBoxes(root) {
    // Boxes are fractions of the picture, so they line up on the blurred and on the
    // revealed preview alike (both are the same picture at the same size).
    root.querySelectorAll("[data-face-box]").forEach(function (box) {
      box.style.left = percent(box, "left");
      box.style.top = percent(box, "top");
      box.style.width = percent(box, "width");
      box.style.height = percent(box, "height");
    });
  }

  // Cells below HEAT_FLOOR stay clear, so only where the model saw blending is painted
  // (faint values everywhere used to tint the whole picture yellow). Above it the
  // colour runs orange to red and grows opaque, matching the legend's bar.
  var HEAT_FLOOR = 0.3;
  function heatColour(value) {
    if (value < HEAT_FLOOR) { return [0, 0, 0, 0]; }
    var level = (value - HEAT_FLOOR) / (1 - HEAT_FLOOR);
    return [255, Math.round(160 * (1 - level)), 0, Math.round(90 + 150 * level)];
  }

  function drawGrid(canvas) {
    var rows = parseInt(canvas.getAttribute("data-rows"), 10);
    var cols = parseInt(canvas.getAttribute("data-cols"), 10);
    var grid;
    try { grid = JSON.parse(canvas.getAttribute("data-grid") || "[]"); } catch (e) { return; }
    if (!rows || !cols) { return; }
    canvas.width = cols;
    canvas.height = rows;
    var context = canvas.getContext("2d");
    if (!context) { return; }
    var image = context.createImageData(cols, rows);
    for (var y = 0; y < rows; y++) {
      for (var x = 0; x < cols; x++) {
        var value = Math.max(0, Math.min(1, (grid[y] || [])[x] || 0));
        var at = (y * cols + x) * 4;
        var colour = heatColour(value);
        image.data[at] = colour[0];
        image.data[at + 1] = colour[1];
        image.data[at + 2] = colour[2];
        image.data[at + 3] = colour[3];
      }
    }
    context.putImageData(image, 0, 0);
  }

  function placeHeatmaps(root) {
    root.querySelectorAll("[data-heatmap]").forEach(function (layer) {
      layer.style.position = "absolute";
      layer.style.left = "0";
      layer.style.top = "0";
      layer.style.width = "100%";
      layer.style.height = "100%";
      layer.style.opacity = "0.8";
      layer.style.pointerEvents = "none";
      if (layer.hasAttribute("data-heatmap-grid")) { drawGrid(layer); }
    });
    var toggle = document.querySelector("[data-heatmap-toggle]");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var showing = toggle.getAttribute("aria-pressed") !== "true";
        root.querySelectorAll("[data-heatmap]").forEach(function (layer) { layer.hidden = !showing; });
        document.querySelectorAll("[data-heatmap-legend]").forEach(function (legend) { legend.hidden = !showing; });
        toggle.setAttribute("aria-pressed", showing ? "true" : "false");
      });
    }
  }

  function goNext(currentId) {
    // After a decision: the riskiest item still waiting, else the queue.
    window.IG.api("GET", "/api/v1/queue?limit=5", null)
      .then(function (data) {
        var next = (data.items || []).filter(function (item) { return String(item.id) !== String(currentId); })[0];
        window.location.assign(next ? "/items/" + next.id : "/queue");
      })
      .catch(function () { window.location.assign("/queue"); });
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (field) { field.focus(); field.scrollIntoView({ block: "center" }); }
  }

  // One reason, two buttons: Confirm sends the artist, Dismiss the allow-list choice.
  function setUpDecision(form, itemId) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter || form.querySelector("[data-decide]");
      var action = submitter ? submitter.getAttribute("data-decide") : "confirm";
      var reason = form.querySelector('[name="reason"]');
      var error = form.querySelector("[data-error]");
      var body = { reason: reason ? reason.value : "" };
      if (action === "confirm") {
        var artist = form.querySelector('[name="artist_id"]');
        if (artist && artist.value) { body.artist_id = parseInt(artist.value, 10); }
      } else {
        var allow = form.querySelector('[name="allow_list"]');
        body.allow_list = !!(allow && allow.checked);
      }
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      if (error) { error.hidden = true; }
      window.IG.api("POST", form.getAttribute("data-" + action), body)
        .then(function () {
          var done = document.getElementById("decided");
          if (done) { done.hidden = false; }
          goNext(itemId);
        })
        .catch(function (failure) {
          if (error) { error.textContent = failure.message; error.hidden = false; }
          buttons.forEach(function (b) { b.disabled = false; });
        });
    });
  }

  function setUpItem(root) {
    var itemId = root.getAttribute("data-review-item");
    var preview = root.querySelector("[data-preview]");
    if (preview) { placeBoxes(preview); placeHeatmaps(preview); }

    var decision = root.querySelector("[data-decision-form]");
    if (decision) { setUpDecision(decision, itemId); }

    document.addEventListener("keydown", function (event) {
      if (modified(event)) { return; }
      if (typing(event)) {
        if (event.key === "Escape" && event.target instanceof HTMLElement) { event.target.blur(); }
        return;
      }
      var next = root.getAttribute("data-next");
      if (event.key === "r") {
        var reveal = root.querySelector("[data-reveal]");
        if (reveal && window.IG) { event.preventDefault(); window.IG.revealPreview(reveal); }
      } else if (event.key === "c" || event.key === "d") {
        event.preventDefault();
        focusField("decision-reason");
      }
      else if (event.key === "n" && next) { event.preventDefault(); window.location.assign(next); }
      else if (event.key === "Escape") { event.preventDefault(); window.location.assign("/queue"); }
      else if (event.key === "?") { event.preventDefault(); toggleHelp(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var queue = document.querySelector("[data-review-queue]");
    if (queue) { setUpQueue(queue); }
    var item = document.querySelector("[data-review-item]");
    if (item) { setUpItem(item); }
  });
})();
