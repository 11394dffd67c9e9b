// Draft form of /notices/new: ticked items become a list of ids (the generic data-api form
// would send one boolean per checkbox name), then the first drafted notice opens.
(function () {
  "use strict";

  function draftBody(form) {
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "item_ids" || key === "owns_copyright" || key === "csrf_token") { return; }
      if (key.indexOf("sender.") === 0) {
        if (typeof value === "string" && value.trim() !== "") {
          body.sender = body.sender || {};
          body.sender[key.slice(7)] = value;
        }
        return;
      }
      if (typeof value === "string" && value.trim() !== "") { body[key] = value; }
    });
    var items = [];
    form.querySelectorAll('input[name="item_ids"]:checked').forEach(function (box) {
      items.push(parseInt(box.value, 10));
    });
    if (items.length) { body.item_ids = items; }
    var owns = form.querySelector('input[name="owns_copyright"]');
    if (owns) { body.owns_copyright = owns.checked; }
    return body;
  }

  // The sender settings form sends every field, empty ones too: empty clears the agency's own.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-sender-settings")) { return; }
    event.preventDefault();
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf_token" && typeof value === "string") { body[key] = value; }
    });
    var slot = form.querySelector("[data-error]");
    var done = form.querySelector("[data-done]");
    if (slot) { slot.hidden = true; }
    if (done) { done.hidden = true; }
    window.IG.api("PUT", form.getAttribute("data-sender-settings"), body)
      .then(function () { window.location.reload(); })
      .catch(function (error) {
        if (slot) { slot.textContent = error.message; slot.hidden = false; }
      });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-notice-draft")) { return; }
    event.preventDefault();
    var slot = form.querySelector("[data-error]");
    var buttons = form.querySelectorAll("button");
    if (slot) { slot.hidden = true; }
    buttons.forEach(function (b) { b.disabled = true; });
    window.IG.api("POST", form.getAttribute("data-notice-draft"), draftBody(form))
      .then(function (data) {
        var first = data.notices && data.notices[0];
        window.location.assign(first ? "/notices/" + encodeURIComponent(first.number) : "/notices");
      })
      .catch(function (error) {
        if (slot) { slot.textContent = error.message; slot.hidden = false; } else { window.alert(error.message); }
        buttons.forEach(function (b) { b.disabled = false; });
      });
  });
})();
