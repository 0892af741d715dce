// Townhall's GraphiQL page: renders GraphiQL from the builds served next to this
// file, configured by the JSON the gateway writes into the page. Nothing here
// loads from another origin.
(function () {
  "use strict";

  var config = JSON.parse(
    document.getElementById("townhall-graphiql-config").textContent,
  );
  var params = new URLSearchParams(window.location.search);
  var page = new URL(window.location.href);
  page.search = "";
  page.hash = "";

  // A query and variables in the address (?q=...&variables=...) open the page
  // with them, and edits keep the address current so it can be shared.
  function remember(key, value) {
    var url = new URL(window.location.href);
    if (value) {
      url.searchParams.set(key, value);
    } else {
      url.searchParams.delete(key);
    }
    window.history.replaceState(null, "", url);
  }

  var props = {
    fetcher: GraphiQL.createFetcher({ url: page.toString() }),
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultQuery: config.defaultQuery,
    defaultHeaders: config.defaultHeaders,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    // Headers may carry a bearer token: kept in the browser only if the user
    // opts in through GraphiQL's settings.
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
    onEditQuery: function (query) {
      remember("q", query);
    },
    onEditVariables: function (variables) {
      remember("variables", variables);
    },
  };
  if (params.get("q")) {
    props.query = params.get("q");
  } else if (config.defaultTabs && config.defaultTabs.length) {
    // A first visit opens the README's example operations, one a tab.
    props.defaultTabs = config.defaultTabs;
  }
  if (params.get("variables")) {
    props.variables = params.get("variables");
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props),
  );
})();
