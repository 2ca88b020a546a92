/*
 * The CRM's GraphiQL page: GraphiQL with the explorer plugin, and a sign-in form.
 *
 * Signing in calls the `login` mutation; the access token is kept in sessionStorage
 * (this browser tab, until it is closed), never in localStorage, and is sent as
 * `Authorization: Bearer ...` with every request GraphiQL makes, unless the Headers
 * tab sets an Authorization or X-API-Key header itself. GraphiQL's own state (tabs,
 * queries, headers) is kept in sessionStorage too.
 */
(function () {
  "use strict";

  var SESSION_KEY = "crm-graphiql:session";
  var DEFAULT_QUERY = [
    "# The CRM's GraphQL API.",
    "#",
    "# Sign in above with your e-mail and password: the access",
    "# token is kept for this browser tab only and sent with",
    "# every request.",
    "#",
    "# Build a query with the Explorer (left bar),",
    "# or type one here: Ctrl-Space completes names.",
    "# Run it with Ctrl-Enter or the play button.",
    "# Docs (left bar) describes every type and field.",
    "",
    "{",
    "  me {",
    "    name",
    "    role",
    "  }",
    "  customers(first: 5) {",
    "    totalCount",
    "    nodes { firstName lastName company { name } }",
    "  }",
    "}",
    ""
  ].join("\n");
  var LOGIN = "mutation SignIn($email: String!, $password: String!) {" +
    " login(email: $email, password: $password) { accessToken expiresAt email role } }";
  var LOGOUT = "mutation SignOut { logout { endedSessions } }";

  // Relative to the page, so it keeps working behind a proxy that adds a path prefix.
  var endpoint = window.location.pathname;
  var form = document.getElementById("crm-session");
  var fields = document.getElementById("crm-session-fields");
  var email = document.getElementById("crm-email");
  var password = document.getElementById("crm-password");
  var status = document.getElementById("crm-session-status");
  var signOut = document.getElementById("crm-sign-out");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var generation = 0;
  var expiryTimer = null;

  function readSession() {
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

  function showSession(session) {
    fields.hidden = !!session;
    signOut.hidden = !session;
    window.clearTimeout(expiryTimer);
    if (session) {
      var until = new Date(session.expiresAt);
      showStatus("Signed in as " + session.email + " (" + session.role + ") until " +
        until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), false);
      expiryTimer = window.setTimeout(function () {
        showSession(null);
        showStatus("The session has expired: sign in again.", true);
      }, Math.max(0, until.getTime() - Date.now()));
    } else {
      showStatus("Not signed in: the documentation works, queries need a sign-in.", false);
    }
  }

  function hasCredentials(headers) {
    return headers.has("Authorization") || headers.has("X-API-Key");
  }

  // Every request GraphiQL makes goes through here.
  function authorisedFetch(url, init) {
    var options = Object.assign({}, init);
    var headers = new Headers(options.headers || {});
    var session = readSession();
    if (session && !hasCredentials(headers)) {
      headers.set("Authorization", "Bearer " + session.token);
    }
    options.headers = headers;
    return window.fetch(url, options);
  }

  function postJson(body, token) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (token) {
      headers.Authorization = "Bearer " + token;
    }
    return window.fetch(endpoint, {
      method: "POST", headers: headers, body: JSON.stringify(body), credentials: "omit"
    }).then(function (response) { return response.json(); });
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
    postJson({ query: LOGIN, variables: variables, operationName: "SignIn" })
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
        showSession(session);
        render();
      })
      .catch(function (error) {
        showStatus("Sign-in failed: " + error.message, true);
      });
  });

  signOut.addEventListener("click", function () {
    var session = readSession();
    window.sessionStorage.removeItem(SESSION_KEY);
    showSession(null);
    render();
    if (session) {
      // End the session on the server too; the token is forgotten here either way.
      postJson({ query: LOGOUT, operationName: "SignOut" }, session.token).catch(function () {});
    }
  });

  // The query and variables are kept in the address so that a link can be shared
  // (the welcome text is not worth a long URL). Headers are not: they may carry
  // credentials, which do not belong in URLs, browser history or proxy logs.
  function remember(name, value) {
    var next = new URLSearchParams(window.location.search);
    if (value && value !== DEFAULT_QUERY) {
      next.set(name, value);
    } else {
      next.delete(name);
    }
    var search = next.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  var fetcher = GraphiQL.createFetcher({ url: endpoint, fetch: authorisedFetch });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  // Rendered again (a new key) after signing in or out, so that the schema is fetched
  // with the new credentials when introspection needs them.
  function render() {
    var params = new URLSearchParams(window.location.search);
    generation += 1;
    root.render(React.createElement(GraphiQL, {
      key: generation,
      fetcher: fetcher,
      plugins: [explorer],
      // GraphiQL's own state lives as long as the tab, like the sign-in.
      storage: window.sessionStorage,
      shouldPersistHeaders: true,
      defaultQuery: DEFAULT_QUERY,
      query: params.get("q") || undefined,
      variables: params.get("variables") || undefined,
      onEditQuery: function (value) { remember("q", value); },
      onEditVariables: function (value) { remember("variables", value); },
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true
    }));
  }

  showSession(readSession());
  render();
})();
