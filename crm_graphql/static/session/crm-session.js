/*
 * The sign-in bar every page of this server shares (GraphiQL, the dashboards).
 *
 * Signing in calls the `login` mutation. The access token is kept in sessionStorage
 * (this browser tab, and tabs opened from it, until they are closed), never in
 * localStorage. Signing out forgets it and ends the session on the server too.
 *
 * The pages use it as `CRM.session`:
 *   endpoint              the GraphQL URL (relative to the page: works behind a prefix)
 *   read()                the current session {token, expiresAt, email, role} or null
 *   onChange(listener)    listener(session) after signing in or out, or on expiry
 *   authorisedFetch(url, init)   fetch with `Authorization: Bearer ...` added, unless
 *                         the request carries an Authorization or X-API-Key header
 *   post(body)            POST a GraphQL request with the session's token; the JSON body
 *   end(message)          forget a session the server no longer accepts
 */
(function () {
  "use strict";

  var SESSION_KEY = "crm:session";
  var LOGIN = "mutation SignIn($email: String!, $password: String!) {" +
    " login(email: $email, password: $password) { accessToken expiresAt email role } }";
  var LOGOUT = "mutation SignOut { logout { endedSessions } }";

  var endpoint = new URL("graphql", window.location.href).pathname;
  var form = document.getElementById("crm-session");
  var fields = document.getElementById("crm-session-fields");
  var email = document.getElementById("crm-email");
  var password = document.getElementById("crm-password");
  var status = document.getElementById("crm-session-status");
  var signOut = document.getElementById("crm-sign-out");
  var listeners = [];
  var expiryTimer = null;

  function read() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(SESSION_KEY) || "null");
      if (stored && stored.token && Date.parse(stored.expiresAt) > Date.now()) {
        return stored;
      }
    } catch (error) {
      // A damaged entry is dropped below.
    }
    window.sessionStorage.removeItem(SESSION_KEY);
    return null;
  }

  function showStatus(text, isError) {
    status.textContent = text;
    status.className = "crm-session-status" + (isError ? " crm-error" : "");
  }

  function show(session) {
    fields.hidden = !!session;
    signOut.hidden = !session;
    window.clearTimeout(expiryTimer);
    if (session) {
      var until = new Date(session.expiresAt);
      showStatus("Signed in as " + session.email + " (" + session.role + ") until " +
        until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), false);
      expiryTimer = window.setTimeout(function () {
        end("The session has expired: sign in again.");
      }, Math.max(0, until.getTime() - Date.now()));
    } else {
      showStatus(status.getAttribute("data-signed-out") || "Not signed in.", false);
    }
  }

  function changed(session) {
    show(session);
    listeners.forEach(function (listener) { listener(session); });
  }

  function end(message) {
    window.sessionStorage.removeItem(SESSION_KEY);
    changed(null);
    showStatus(message, true);
  }

  function hasCredentials(headers) {
    return headers.has("Authorization") || headers.has("X-API-Key");
  }

  function authorisedFetch(url, init) {
    var options = Object.assign({}, init);
    var headers = new Headers(options.headers || {});
    var session = read();
    if (session && !hasCredentials(headers)) {
      headers.set("Authorization", "Bearer " + session.token);
    }
    options.headers = headers;
    options.credentials = "omit";
    return window.fetch(url, options);
  }

  function post(body, token) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (token) {
      headers.Authorization = "Bearer " + token;
    }
    var init = { method: "POST", headers: headers, body: JSON.stringify(body) };
    var sent = token ? window.fetch(endpoint, Object.assign(init, { credentials: "omit" }))
      : authorisedFetch(endpoint, init);
    return sent.then(function (response) { return response.json(); });
  }

  function firstError(body) {
    var error = body.errors && body.errors[0];
    if (!error) {
      return null;
    }
    var code = error.extensions && error.extensions.code;
    return error.message + (code ? " (" + code + ")" : "");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    showStatus("Signing in...", false);
    var variables = { email: email.value, password: password.value };
    window.fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ query: LOGIN, variables: variables, operationName: "SignIn" }),
      credentials: "omit"
    })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        var problem = firstError(body);
        if (problem || !body.data || !body.data.login) {
          showStatus("Sign-in failed: " + (problem || "no answer"), true);
          return;
        }
        var login = body.data.login;
        var session = {
          token: login.accessToken, expiresAt: login.expiresAt, email: login.email, role: login.role
        };
        window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
        password.value = "";
        changed(session);
      })
      .catch(function (error) {
        showStatus("Sign-in failed: " + error.message, true);
      });
  });

  signOut.addEventListener("click", function () {
    var session = read();
    window.sessionStorage.removeItem(SESSION_KEY);
    changed(null);
    if (session) {
      // End the session on the server too; the token is forgotten here either way.
      post({ query: LOGOUT, operationName: "SignOut" }, session.token).catch(function () {});
    }
  });

  show(read());

  window.CRM = window.CRM || {};
  window.CRM.session = {
    endpoint: endpoint,
    read: read,
    onChange: function (listener) { listeners.push(listener); },
    authorisedFetch: authorisedFetch,
    post: function (body) { return post(body, null); },
    end: end
  };
})();
