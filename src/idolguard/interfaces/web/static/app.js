// IdolGuard UI helpers. No inline scripts (the CSP forbids them): pages declare behaviour
// with data- attributes and every change goes through the REST API with the CSRF token.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Call the API; resolves to the parsed JSON (or a Blob when asked), rejects with an Error
  // whose message is the server's explanation.
  function api(method, url, body, options) {
    options = options || {};
    var headers = { "X-CSRF-Token": csrfToken(), "Accept": "application/json" };
    var payload = body;
    if (body && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(url, { method: method, headers: headers, body: payload, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok && options.blob) { return response.blob(); }
        var type = response.headers.get("content-type") || "";
        var parsed = type.indexOf("application/json") >= 0 ? response.json() : response.text().then(function (text) { return { error: text }; });
        return parsed.then(function (data) {
          if (!response.ok) {
            var error = new Error((data && data.error) || response.statusText);
            error.status = response.status;
            throw error;
          }
          return data;
        });
      });
  }

  function fill(template, data) {
    return template.replace(/\{([a-z_]+)\}/g, function (_m, key) {
      return encodeURIComponent(data && data[key] !== undefined ? data[key] : "");
    });
  }

  function formBody(form) {
    var data = new FormData(form);
    data.delete("csrf_token");
    if (form.getAttribute("data-encoding") !== "json") { return data; }
    var object = {};
    data.forEach(function (value, key) {
      if (value === "") { return; }
      if (object[key] !== undefined) {
        object[key] = [].concat(object[key], value);
      } else {
        object[key] = value;
      }
    });
    form.querySelectorAll('input[type="checkbox"][name]').forEach(function (box) {
      object[box.name] = box.checked;
    });
    return object;
  }

  function showError(form, message) {
    var slot = form.querySelector("[data-error]");
    if (slot) { slot.textContent = message; slot.hidden = false; } else { window.alert(message); }
  }

  // <form data-api="/api/v1/..." data-method="POST" [data-encoding="json"] [data-redirect="/x/{id}"]>
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-api")) { return; }
    event.preventDefault();
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var slot = form.querySelector("[data-error]");
    if (slot) { slot.hidden = true; }
    api(form.getAttribute("data-method") || "POST", form.getAttribute("data-api"), formBody(form))
      .then(function (data) {
        var redirect = form.getAttribute("data-redirect");
        if (redirect) { window.location.assign(fill(redirect, data)); return; }
        var done = form.getAttribute("data-done");
        if (done) {
          var target = document.querySelector(done);
          if (target) { target.hidden = false; }
          form.dispatchEvent(new CustomEvent("ig:done", { detail: data, bubbles: true }));
          buttons.forEach(function (b) { b.disabled = false; });
          return;
        }
        window.location.reload();
      })
      .catch(function (error) {
        showError(form, error.message);
        buttons.forEach(function (b) { b.disabled = false; });
      });
  });

  // <button data-reveal="/api/v1/items/7/preview/reveal" data-target="#preview-7">: a
  // deliberate, logged request for the unblurred preview, shown from memory only.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-reveal]") : null;
    if (!button) { return; }
    event.preventDefault();
    revealPreview(button);
  });

  function revealPreview(button) {
    var image = document.querySelector(button.getAttribute("data-target"));
    if (!image || button.disabled) { return Promise.resolve(); }
    button.disabled = true;
    return api("POST", button.getAttribute("data-reveal"), null, { blob: true })
      .then(function (blob) {
        image.src = URL.createObjectURL(blob);
        image.setAttribute("data-revealed", "true");
      })
      .catch(function (error) { button.disabled = false; window.alert(error.message); });
  }

  window.IG = { api: api, csrfToken: csrfToken, revealPreview: revealPreview };
})();
