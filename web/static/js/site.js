// Progressive enhancements: every page is readable without them. Data come from our own JSON (no CDN, no tiles).
(function () {
  "use strict";

  function plainMap(el, points, zoom) {
    // No tile server is reachable: a plain background, territories drawn as circle markers by their coordinates.
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
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
    plainMap(small, [{ lat: +small.dataset.lat, long: +small.dataset.long, label: small.dataset.label }], 8);
  }

  var big = document.getElementById("map");
  if (big && typeof L !== "undefined") {
    fetch(big.dataset.src, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); })
      .then(function (data) {
        plainMap(big, data.markers.map(function (m) {
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

  var net = document.getElementById("network");
  if (net && typeof cytoscape !== "undefined") {
    var status = document.getElementById("network-status");
    fetch(net.dataset.src, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        drawNetwork(net, data.nodes || [], edgesOf(data), function (id) { window.location.href = localHref(id); });
        var body = document.querySelector("#network-nodes tbody");
        (data.nodes || []).forEach(function (n) {
          var tr = document.createElement("tr");
          [n.label || n.id, n.type || "", n.community == null ? "" : String(n.community)].forEach(function (v, i) {
            var td = document.createElement("td");
            if (i === 0) { var a = document.createElement("a"); a.href = localHref(n.id); a.textContent = v; td.appendChild(a); }
            else { td.textContent = v; }
            tr.appendChild(td);
          });
          body.appendChild(tr);
        });
        document.getElementById("network-nodes").hidden = false;
      })
      .catch(function (err) { status.textContent = "/-/network.json: " + err; });
  }

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
