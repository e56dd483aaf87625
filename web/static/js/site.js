// Progressive enhancements: every page is readable without them. Data come from our own JSON and static files
// (no CDN, no tile server).
(function () {
  "use strict";

  // The maps' base layer: Natural Earth's countries (public domain, npm's world-atlas), cut for France and its
  // neighbours by `make web` (web/build-basemap.mjs); no tile server. Fetched once per page, drawn under the markers.
  var BASEMAP = "/static/dist/basemap/natural-earth-france.json";
  var BASEMAP_ATTRIBUTION = '<a href="https://www.naturalearthdata.com/">Natural Earth</a>';
  var basemap = null;

  function basemapStyle(sea) {
    var land = { stroke: false, fillColor: "#ece7dc", fillOpacity: 1 };
    var styles = {
      "world-land": land,
      "world-borders": { color: "#b5ad9e", weight: 0.6, opacity: 1, fill: false },
      "sea": { stroke: false, fillColor: sea, fillOpacity: 1 },
      "land": land,
      "borders": { color: "#8d8576", weight: 1, opacity: 1, fill: false }
    };
    return function (feature) {
      var p = feature.properties || {};
      var style = Object.assign({}, styles[p.layer] || land);
      if (p.layer === "land" && p.france) { style.fillColor = "#fbf8f1"; }
      style.className = "basemap-" + p.layer + (p.france ? " basemap-france" : "") + (p.id ? " basemap-" + p.id : "");
      return style;
    };
  }

  function drawBasemap(map, el) {
    // Its own pane under the markers' (overlayPane, z-index 400), since it arrives after them.
    var pane = map.createPane("basemap");
    pane.style.zIndex = 250;
    el.setAttribute("data-basemap", "loading");
    if (!basemap) {
      basemap = fetch(BASEMAP).then(function (r) {
        if (!r.ok) { throw new Error(BASEMAP + ": " + r.status); }
        return r.json();
      });
    }
    basemap.then(function (data) {
      L.geoJSON(data, {
        pane: "basemap", renderer: L.svg({ pane: "basemap" }), interactive: false,
        attribution: BASEMAP_ATTRIBUTION, style: basemapStyle(window.getComputedStyle(el).backgroundColor)
      }).addTo(map);
      el.setAttribute("data-basemap", "loaded");
    }).catch(function () {
      el.setAttribute("data-basemap", "failed");  // the markers stay, on the sea-coloured background
    });
  }

  function pointMap(el, points, zoom) {
    // Territories drawn as circle markers by their coordinates, over the Natural Earth base layer.
    var map = L.map(el, { zoomSnap: 0.25, minZoom: 2 });
    drawBasemap(map, el);
    var layer = L.featureGroup();
    points.forEach(function (p) {
      var colour = p.progress == null ? "#777" : (p.progress >= 0.75 ? "#1a7f37" : p.progress >= 0.25 ? "#d4a72c" : "#cf222e");
      var marker = L.circleMarker([p.lat, p.long], { radius: 7, color: colour, fillOpacity: 0.8 });
      var label = document.createElement("a");       // textContent: labels are untrusted
      label.textContent = p.label;
      if (p.href) { label.href = p.href; }
      var tip = document.createElement("span");      // Leaflet puts a string tooltip in innerHTML: give it a node
      tip.textContent = p.label;
      marker.bindTooltip(tip).bindPopup(label);
      marker.addTo(layer);
    });
    layer.addTo(map);
    if (points.length === 1) { map.setView([points[0].lat, points[0].long], zoom || 8); }
    else if (points.length) { map.fitBounds(layer.getBounds().pad(0.2)); }
    else { map.setView([46.6, 2.4], 5); }
    el.setAttribute("data-markers", String(points.length));
    return map;
  }

  function localHref(iri) {
    var base = "https://w3id.org/thc/";
    return iri.indexOf(base) === 0 ? "/" + iri.slice(base.length) : iri;
  }

  var small = document.getElementById("small-map");
  if (small && typeof L !== "undefined") {
    pointMap(small, [{ lat: +small.dataset.lat, long: +small.dataset.long, label: small.dataset.label }], 8);
  }

  var big = document.getElementById("map");
  if (big && typeof L !== "undefined") {
    fetch(big.dataset.src, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); })
      .then(function (data) {
        pointMap(big, data.markers.map(function (m) {
          return { lat: m.lat, long: m.long, label: m.label, progress: m.progress, href: localHref(m.iri) };
        }));
      });
  }

  function drawNetwork(el, nodes, edges, onTap) {
    var palette = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#1b7c83", "#e16f24", "#6e7781"];
    var elements = nodes.map(function (n) {
      return { data: { id: n.id, label: n.label || n.id, colour: palette[(n.community || 0) % palette.length] } };
    }).concat(edges.map(function (e, i) {
      return { data: { id: "e" + i, source: e.source, target: e.target } };
    }));
    var cy = cytoscape({
      container: el, elements: elements,
      style: [
        { selector: "node", style: { label: "data(label)", "background-color": "data(colour)", "font-size": 9,
                                     width: 14, height: 14 } },
        { selector: "edge", style: { width: 1, "line-color": "#bbb", "curve-style": "bezier" } }
      ],
      layout: { name: nodes.length > 300 ? "grid" : "cose", animate: false }
    });
    if (onTap) { cy.on("tap", "node", function (evt) { onTap(evt.target.id()); }); }
    el.setAttribute("data-nodes", String(cy.nodes().length));
    window.thcNetwork = cy;
    return cy;
  }

  function edgesOf(data) { return data.links || data.edges || []; }

  // The page /network: colour, size, tie-type and date filters, search, and the sortable table of measures.
  var PALETTE = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#1b7c83", "#e16f24", "#6e7781",
                 "#b35900", "#0550ae", "#a40e26", "#116329"];

  function fold(text) { return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }

  function formatValue(v) {
    if (v == null || v === "") { return ""; }
    if (typeof v === "number") { return String(Math.round(v * 1000) / 1000); }
    return String(v);
  }

  function numeric(v) { return typeof v === "boolean" ? (v ? 1 : 0) : (typeof v === "number" ? v : null); }

  function networkPage(el) {
    var en = (document.documentElement.lang || "fr") === "en";
    var status = document.getElementById("network-status");
    var controls = document.getElementById("network-controls");
    var colourSel = document.getElementById("network-colour");
    var sizeSel = document.getElementById("network-size");
    var asOf = document.getElementById("network-as-of");
    var from = document.getElementById("network-from");
    var to = document.getElementById("network-to");
    var formats = document.getElementById("network-formats");
    var search = document.getElementById("network-search");
    var ties = document.getElementById("network-ties");
    var legend = document.getElementById("network-legend");
    var table = document.getElementById("network-nodes");
    var state = { cy: null, data: null, edges: null, off: {}, sortKey: null, sortDir: "none", loads: 0 };

    function label(n) { return (en ? n.label_en : n.label) || n.label || n.id; }

    function metricLabel(name) {
      var m = ((state.data.graph || {}).metrics || {})[name];
      return m ? ((en ? m.label_en : m.label_fr) || m.label || name) : name;
    }

    function applyColour() {
      var key = colourSel.value;
      var counts = {};
      state.cy.nodes().forEach(function (n) { var v = String(n.data(key)); counts[v] = (counts[v] || 0) + 1; });
      var values = Object.keys(counts).sort(function (a, b) {
        return key === "community" ? (+a) - (+b) : (counts[b] - counts[a]) || (a < b ? -1 : 1);
      });
      var colours = {};
      values.forEach(function (v, i) {
        colours[v] = key === "community" ? (v === "0" ? "#999" : PALETTE[(+v - 1) % PALETTE.length])
                                         : PALETTE[i % PALETTE.length];
      });
      state.cy.nodes().forEach(function (n) { n.data("colour", colours[String(n.data(key))]); });
      while (legend.firstChild) { legend.removeChild(legend.firstChild); }
      values.forEach(function (v) {
        var li = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.backgroundColor = colours[v];
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(
          (key === "community" ? legend.dataset.communityLabel + " " + (v === "0" ? "—" : v) : v) + " (" + counts[v] + ")"));
        legend.appendChild(li);
      });
      el.setAttribute("data-colour", key);
    }

    function applySize() {
      var key = sizeSel.value;
      var values = state.cy.nodes().map(function (n) { return key ? numeric((n.data("measures") || {})[key]) : null; });
      var known = values.filter(function (v) { return v != null; });
      var lo = Math.min.apply(null, known.concat([0])), hi = Math.max.apply(null, known.concat([0]));
      state.cy.nodes().forEach(function (n, i) {
        var v = values[i];
        n.data("size", !key ? 16 : (v == null ? 8 : (hi > lo ? 10 + 36 * (v - lo) / (hi - lo) : 20)));
      });
    }

    function applyTies() {
      state.edges.forEach(function (e) {
        var keep = (e.data("tie_types") || []).some(function (t) { return !state.off[t]; });
        if (keep && e.removed()) { e.restore(); } else if (!keep && !e.removed()) { e.remove(); }
      });
      el.setAttribute("data-edges", String(state.cy.edges().length));
    }

    function applySearch() {
      var q = fold(search.value.trim());
      state.cy.nodes().unselect();
      state.cy.nodes().removeClass("match");
      if (q.length < 2) { status.textContent = ""; return; }
      var found = state.cy.nodes().filter(function (n) { return fold(n.data("label")).indexOf(q) >= 0; });
      found.addClass("match");
      found.select();
      status.textContent = found.length + " " + (status.dataset.found || "");
      if (found.length) { state.cy.animate({ center: { eles: found }, duration: 200 }); }
    }

    function fillTies() {
      var types = {};
      edgesOf(state.data).forEach(function (e) { (e.tie_types || []).forEach(function (t) { types[t] = (types[t] || 0) + 1; }); });
      Array.prototype.slice.call(ties.querySelectorAll("label")).forEach(function (l) { ties.removeChild(l); });
      Object.keys(types).sort().forEach(function (t) {
        var box = document.createElement("input");
        box.type = "checkbox";
        box.value = t;
        box.checked = !state.off[t];
        box.addEventListener("change", function () { state.off[t] = !box.checked; applyTies(); });
        var l = document.createElement("label");
        l.appendChild(box);
        l.title = t;
        l.appendChild(document.createTextNode(" " + (ties.getAttribute("data-tie-" + t) || t) + " (" + types[t] + ")"));
        ties.appendChild(l);
      });
    }

    function fillSizes(metrics) {
      var chosen = sizeSel.value;
      while (sizeSel.options.length > 1) { sizeSel.remove(1); }
      metrics.forEach(function (m) {
        var o = document.createElement("option");
        o.value = m;
        o.textContent = metricLabel(m);
        sizeSel.appendChild(o);
      });
      sizeSel.value = metrics.indexOf(chosen) >= 0 ? chosen : "";
    }

    function cell(v) {
      var td = document.createElement("td");
      td.textContent = formatValue(v);
      var n = numeric(v);
      if (n != null) { td.setAttribute("data-value", String(n)); td.className = "num"; }
      return td;
    }

    function fillTable(metrics) {
      var head = table.querySelector("thead tr");
      Array.prototype.slice.call(head.querySelectorAll("th[data-metric]")).forEach(function (th) { head.removeChild(th); });
      metrics.forEach(function (m) {
        var th = document.createElement("th");
        th.setAttribute("data-key", m);
        th.setAttribute("data-metric", "1");
        th.setAttribute("data-numeric", "1");
        th.setAttribute("aria-sort", "none");
        var m0 = ((state.data.graph || {}).metrics || {})[m];
        if (m0 && m0.definition) { th.title = m0.definition; }
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = metricLabel(m);
        th.appendChild(b);
        head.appendChild(th);
      });
      var body = table.querySelector("tbody");
      while (body.firstChild) { body.removeChild(body.firstChild); }
      (state.data.nodes || []).forEach(function (n) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-id", n.id);
        var td = document.createElement("td");
        var a = document.createElement("a");
        a.href = localHref(n.id);
        a.textContent = label(n);
        td.appendChild(a);
        tr.appendChild(td);
        tr.appendChild(cell(n.type || ""));
        tr.appendChild(cell(n.actor_type || ""));
        tr.appendChild(cell(n.community == null || n.community === 0 ? "" : n.community));
        metrics.forEach(function (m) { tr.appendChild(cell((n.measures || {})[m])); });
        body.appendChild(tr);
      });
      table.hidden = false;
      if (state.sortKey) { sortBy(state.sortKey, state.sortDir); }
    }

    function sortBy(key, dir) {
      var ths = Array.prototype.slice.call(table.querySelectorAll("thead th"));
      var index = -1, isNumeric = false;
      ths.forEach(function (th, i) {
        if (th.getAttribute("data-key") === key) { index = i; isNumeric = th.hasAttribute("data-numeric"); th.setAttribute("aria-sort", dir); }
        else { th.setAttribute("aria-sort", "none"); }
      });
      if (index < 0) { return; }
      state.sortKey = key; state.sortDir = dir;
      var body = table.querySelector("tbody");
      var rows = Array.prototype.slice.call(body.rows);
      var sign = dir === "descending" ? -1 : 1;
      rows.sort(function (r1, r2) {
        var c1 = r1.cells[index], c2 = r2.cells[index];
        if (isNumeric) {
          var v1 = c1.hasAttribute("data-value") ? +c1.getAttribute("data-value") : null;
          var v2 = c2.hasAttribute("data-value") ? +c2.getAttribute("data-value") : null;
          if (v1 == null || v2 == null) { return v1 == null ? (v2 == null ? 0 : 1) : -1; }  // empty cells last
          return sign * (v1 - v2);
        }
        return sign * c1.textContent.localeCompare(c2.textContent, en ? "en" : "fr", { sensitivity: "base" });
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }

    table.querySelector("thead").addEventListener("click", function (evt) {
      var th = evt.target.closest("th");
      if (!th) { return; }
      var key = th.getAttribute("data-key");
      // Again on the same column: the other way; a new column: names A→Z, measures largest first.
      var dir = state.sortKey === key ? (state.sortDir === "ascending" ? "descending" : "ascending")
                                      : (th.hasAttribute("data-numeric") ? "descending" : "ascending");
      sortBy(key, dir);
    });

    function draw(data) {
      state.data = data;
      var metrics = ((data.graph || {}).actor_metrics || []).filter(function (m) {
        return (data.nodes || []).some(function (n) { return (n.measures || {})[m] != null; });
      });
      if (state.cy) { state.cy.destroy(); }
      var elements = (data.nodes || []).map(function (n) {
        return { data: { id: n.id, label: label(n), community: n.community || 0, actor_type: n.actor_type || n.type || "",
                         measures: n.measures || {}, colour: "#999", size: 16 } };
      }).concat(edgesOf(data).map(function (e, i) {
        return { data: { id: "e" + i, source: e.source, target: e.target, tie_types: e.tie_types || [] } };
      }));
      state.cy = cytoscape({
        container: el, elements: elements,
        style: [
          { selector: "node", style: { label: "data(label)", "background-color": "data(colour)", "font-size": 9,
                                       width: "data(size)", height: "data(size)" } },
          { selector: "node:selected, node.match", style: { "border-width": 4, "border-color": "#111", "font-size": 13,
                                                            "font-weight": "bold" } },
          { selector: "edge", style: { width: 1, "line-color": "#bbb", "curve-style": "bezier" } }
        ],
        layout: { name: (data.nodes || []).length > 300 ? "grid" : "cose", animate: false }
      });
      state.cy.on("tap", "node", function (evt) { window.location.href = localHref(evt.target.id()); });
      state.edges = state.cy.edges();
      window.thcNetwork = state.cy;
      fillSizes(metrics);
      fillTies();
      applyColour();
      applySize();
      applyTies();
      fillTable(metrics);
      if (search.value) { applySearch(); }
      el.setAttribute("data-nodes", String(state.cy.nodes().length));
      var shown = (data.graph || {}).ties_window || {};
      el.setAttribute("data-as-of", shown.as_of || "");
      el.setAttribute("data-from", shown.from || "");
      el.setAttribute("data-to", shown.to || "");
    }

    // The window of ties: one day (as_of) or a period (from and/or to); the JSON takes one or the other, not both.
    function windowParams() {
      var params = new URLSearchParams();
      if (asOf.value) { params.set("as_of", asOf.value); return params; }
      if (from.value) { params.set("from", from.value); }
      if (to.value) { params.set("to", to.value); }
      return params;
    }

    function bound() {
      to.min = from.value || "1900-01-01";
      from.max = to.value || "2100-12-31";
    }

    // The page's address keeps the window in its fragment (#from=…&to=…, or #as_of=…) so that a link to it shows the
    // same ties: /network itself takes no parameter, and the fragment never reaches the server.
    function readAddress() {
      var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
      asOf.value = params.get("as_of") || "";
      from.value = asOf.value ? "" : params.get("from") || "";
      to.value = asOf.value ? "" : params.get("to") || "";
      bound();
    }

    function writeAddress(params) {
      var query = params.toString();
      window.history.replaceState(null, "", window.location.pathname + window.location.search + (query ? "#" + query : ""));
      // The downloads above (JSON, measures, GEXF) take the same window.
      Array.prototype.slice.call(formats.querySelectorAll("a")).forEach(function (a) {
        a.setAttribute("href", a.pathname + (query ? "?" + query : ""));
      });
    }

    function load() {
      var params = windowParams();
      writeAddress(params);
      var url = el.dataset.src + "?lang=" + (en ? "en" : "fr") + (params.toString() ? "&" + params : "");
      var mine = ++state.loads;  // an answer that comes back after a newer request was made is dropped
      el.removeAttribute("data-nodes");
      return fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) { return r.json().then(function (b) { throw new Error(b.message || r.status); }, function () { throw new Error(r.status); }); }
          return r.json();
        })
        .then(function (data) {
          if (mine !== state.loads) { return; }
          status.textContent = "";
          draw(data);
          controls.hidden = false;
        })
        .catch(function (err) { if (mine === state.loads) { status.textContent = url + ": " + err.message; } });
    }

    controls.addEventListener("submit", function (evt) { evt.preventDefault(); });
    colourSel.addEventListener("change", applyColour);
    sizeSel.addEventListener("change", applySize);
    asOf.addEventListener("change", function () {
      if (asOf.value) { from.value = ""; to.value = ""; }
      bound();
      load();
    });
    [from, to].forEach(function (input) {
      input.addEventListener("change", function () {
        if (from.value || to.value) { asOf.value = ""; }
        bound();
        load();
      });
    });
    window.addEventListener("hashchange", function () { readAddress(); load(); });
    search.addEventListener("input", applySearch);
    window.thcNetworkPage = { load: load, state: state };
    readAddress();
    load();
  }

  var net = document.getElementById("network");
  if (net && typeof cytoscape !== "undefined") { networkPage(net); }

  var ego = document.getElementById("ego-network");
  if (ego && typeof cytoscape !== "undefined") {
    var me = ego.dataset.iri;
    var lang = document.documentElement.lang || "fr";
    fetch("/-/network.json?lang=" + lang + "&ego=" + encodeURIComponent(me), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var edges = edgesOf(data).filter(function (e) { return e.source === me || e.target === me; });
        var keep = {}; keep[me] = true;
        edges.forEach(function (e) { keep[e.source] = true; keep[e.target] = true; });
        var nodes = (data.nodes || []).filter(function (n) { return keep[n.id]; });
        if (nodes.length) { drawNetwork(ego, nodes, edges, function (id) { window.location.href = localHref(id); }); }
        var mine = (data.nodes || []).filter(function (n) { return n.id === me; })[0];
        var dl = document.getElementById("ego-measures");
        if (mine && dl) {
          var measures = Object.assign({ community: mine.community }, mine.measures || {});
          var known = (data.graph && data.graph.metrics) || {};
          Object.keys(measures).forEach(function (k) {
            if (measures[k] == null) { return; }
            var dt = document.createElement("dt");
            dt.textContent = k === "community" ? ego.dataset.communityLabel : (known[k] && known[k].label) || k;
            if (known[k] && known[k].definition) { dt.title = known[k].definition; }
            var dd = document.createElement("dd");
            dd.textContent = typeof measures[k] === "number" ? String(Math.round(measures[k] * 1000) / 1000) : String(measures[k]);
            dl.appendChild(dt); dl.appendChild(dd);
          });
        }
      })
      .catch(function () { ego.hidden = true; });
  }
})();
