/*
 * The CRM's GraphiQL page: GraphiQL with the explorer plugin, below the sign-in bar
 * that every page shares (../session/crm-session.js, `CRM.session`).
 *
 * The access token of the sign-in is sent as `Authorization: Bearer ...` with every
 * request GraphiQL makes, unless the Headers tab sets an Authorization or X-API-Key
 * header itself. GraphiQL's own state (tabs, queries, headers) is kept in
 * sessionStorage, like the sign-in.
 *
 * `?q=` and `?variables=` in the address open the page with that query and those
 * variables (links from the dashboards do); editing keeps them up to date.
 */
(function () {
  "use strict";

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

  var session = window.CRM.session;
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var generation = 0;

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

  // Every request GraphiQL makes carries the sign-in's token, unless the Headers tab
  // sets an Authorization or X-API-Key header itself.
  var fetcher = GraphiQL.createFetcher({ url: session.endpoint, fetch: session.authorisedFetch });
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

  session.onChange(render);
  render();
})();
