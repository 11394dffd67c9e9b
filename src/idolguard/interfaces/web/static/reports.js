// Fan report portal: show the number and PIN after a report is sent, and a report's status.
// The API answers arrive as the `ig:done` event that app.js fires (event.detail is the JSON).
(function () {
  "use strict";

  function setField(root, name, value) {
    root.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = value === null || value === undefined ? "" : String(value);
    });
  }

  function when(value) {
    if (!value) { return "—"; }
    var date = new Date(value);
    return isNaN(date.getTime()) ? value : date.toLocaleString(document.documentElement.lang || undefined);
  }

  function statusTexts() {
    var node = document.getElementById("report-status-texts");
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent || "{}"); } catch (_e) { return {}; }
  }

  // Copy the report number and/or PIN: people lose what they cannot paste somewhere safe.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) { return; }
    var done = document.getElementById("report-done");
    if (!done) { return; }
    function value(name) {
      var field = done.querySelector('[data-field="' + name + '"]');
      return field ? field.textContent.trim() : "";
    }
    var what = button.getAttribute("data-copy");
    var text = what === "both" ? value("number") + " " + value("pin") : value(what);
    copyText(text).then(function () {
      var status = done.querySelector("[data-copy-status]");
      if (status) { status.textContent = button.getAttribute("data-copied") || ""; }
    });
  });

  // Show "sending…" while a report (maybe a large video) uploads.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-report-form")) { return; }
    var sending = form.querySelector("[data-sending]");
    if (sending) { sending.hidden = false; }
  }, true);

  document.addEventListener("ig:done", function (event) {
    var form = event.target;
    var data = event.detail || {};
    if (!(form instanceof HTMLFormElement)) { return; }

    if (form.hasAttribute("data-report-form")) {
      var done = document.getElementById("report-done");
      var start = document.getElementById("report-start");
      var sending = form.querySelector("[data-sending]");
      if (sending) { sending.hidden = true; }
      form.reset();
      if (start) { start.hidden = true; }
      if (done) {
        setField(done, "number", data.number);
        setField(done, "pin", data.pin);
        var duplicate = done.querySelector("[data-duplicate]");
        if (duplicate) { duplicate.hidden = !data.duplicate; }
        done.hidden = false;
        // Move focus to the confirmation so keyboard and screen-reader users land on it.
        var heading = done.querySelector("h1");
        if (heading) { heading.focus(); } else { done.scrollIntoView(); }
      }
      return;
    }

    if (form.hasAttribute("data-status-form") || form.hasAttribute("data-withdraw-form")) {
      var result = document.getElementById("report-status");
      if (!result) { return; }
      var texts = statusTexts();
      setField(result, "number", data.number);
      setField(result, "status_text", texts[data.status] || data.status);
      setField(result, "submitted_at", when(data.submitted_at));
      setField(result, "updated_at", when(data.updated_at));
      var acted = result.querySelector('[data-field="still_acted_on_text"]');
      if (acted) {
        acted.textContent = texts.still_acted_on || "";
        acted.hidden = !data.still_acted_on;
      }
      var withdraw = result.querySelector("[data-withdraw-form]");
      var withdrawBox = result.querySelector("[data-withdraw]");
      if (withdraw && form.hasAttribute("data-status-form")) {
        withdraw.querySelector('[name="number"]').value = form.querySelector('[name="number"]').value;
        withdraw.querySelector('[name="pin"]').value = form.querySelector('[name="pin"]').value;
      }
      if (withdrawBox) { withdrawBox.hidden = !data.can_withdraw; }
      // Point out the explanation of the status the fan has now.
      document.querySelectorAll("[data-state]").forEach(function (el) {
        el.classList.toggle("current", el.getAttribute("data-state") === data.status);
      });
      result.hidden = false;
    }
  });
})();
