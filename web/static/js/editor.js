// YASGUI on this server's /sparql, with each named query of queries/ as a tab. No CDN, no other endpoint.
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  if (!el || typeof Yasgui === "undefined") { return; }
  var endpoint = window.location.origin + "/sparql";
  var named = JSON.parse(document.getElementById("named-queries").textContent || "[]");
  var fromUrl = /[?&]query=/.test(window.location.search);
  var yasgui = new Yasgui(el, {
    autoAddOnInit: fromUrl || named.length === 0,  // a shared link opens its own tab; else the named queries
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,            // the named queries come from the server each time
    autofocus: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  named.forEach(function (q, i) {
    yasgui.addTab(!fromUrl && i === 0, {
      name: q.title, yasqe: { value: q.query }, requestConfig: { endpoint: endpoint, method: "POST" }
    }, { avoidDuplicateTabs: true });
  });
  window.thcYasgui = yasgui;
})();
