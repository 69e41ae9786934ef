// Passkey ceremonies. A form marked data-passkey="register" or "sign-in"
// posts to its data-start URL for the options, asks the browser for a
// passkey, and posts the answer to its data-finish URL. Without JavaScript
// (or without passkey support) the page's other ways in still work.
(function () {
  "use strict";
  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function toB64url(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf || "" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || "failed"); return j; });
    });
  }
  function show(form, message) {
    var box = form.querySelector("[data-passkey-status]");
    if (box) { box.textContent = message; box.hidden = false; box.focus(); }
  }
  function register(form, csrf) {
    var nameField = form.querySelector("input[name=name]");
    return post(form.dataset.start, csrf).then(function (start) {
      var o = start.options.publicKey;
      o.challenge = toBytes(o.challenge);
      o.user.id = toBytes(o.user.id);
      (o.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.create({ publicKey: o }).then(function (cred) {
        return post(form.dataset.finish, csrf, {
          ceremony: start.ceremony,
          name: nameField ? nameField.value : "",
          credential: {
            id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
            extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
            response: {
              attestationObject: toB64url(cred.response.attestationObject),
              clientDataJSON: toB64url(cred.response.clientDataJSON),
              transports: cred.response.getTransports ? cred.response.getTransports() : []
            }
          }
        });
      });
    });
  }
  function signIn(form, csrf) {
    return post(form.dataset.start, csrf).then(function (start) {
      var o = start.options.publicKey;
      o.challenge = toBytes(o.challenge);
      (o.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.get({ publicKey: o }).then(function (cred) {
        return post(form.dataset.finish, csrf, {
          ceremony: start.ceremony,
          credential: {
            id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
            extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
            response: {
              authenticatorData: toB64url(cred.response.authenticatorData),
              clientDataJSON: toB64url(cred.response.clientDataJSON),
              signature: toB64url(cred.response.signature),
              userHandle: toB64url(cred.response.userHandle)
            }
          }
        });
      });
    });
  }
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    if (!window.PublicKeyCredential) return;
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var csrfField = form.querySelector("input[name=csrf]");
      var csrf = csrfField ? csrfField.value : "";
      var run = form.dataset.passkey === "register" ? register : signIn;
      run(form, csrf).then(function (done) {
        window.location.assign(done.redirect);
      }).catch(function () {
        show(form, form.dataset.failed || "That did not work. Try again, or use another way to sign in.");
      });
    });
  });
})();
