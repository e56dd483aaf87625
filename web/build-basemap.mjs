// The maps' base layer, built by `make web` from npm's world-atlas (Natural Earth, public domain), no tile server.
//
//   node build-basemap.mjs OUT.json
//
// writes one GeoJSON FeatureCollection, drawn in this order (its `layer` property says which is which):
//   world-land, world-borders  the whole world at 1:110m: a coarse background for the views zoomed far out;
//   sea                        the boxes around every part of France, sea-coloured, hiding the coarse world there;
//   land                       in those boxes, each country at 1:10m (France and its overseas parts whole,
//                              `france: true`; the neighbours cut to the boxes);
//   coast, borders             in those boxes, the coastlines and the borders between countries, at 1:10m.
// Land polygons are filled without a stroke, so the cuts at a box's edge never show; lines are cut separately.
// The output depends on the npm packages and on this file only, so `make web` gives the same bytes every time.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { feature, mesh } from "topojson-client";

const require = createRequire(import.meta.url);
const atlas = (name) => JSON.parse(readFileSync(require.resolve(`world-atlas/${name}`), "utf8"));

// France's parts by ISO 3166-1 numeric code (Natural Earth's admin-0 countries); Clipperton has no code there.
const FRENCH = new Set(["250", "258", "260", "540", "652", "663", "666", "876"]);
const FRENCH_NAMES = new Set(["Clipperton I."]);
// Margins in degrees around each part: metropolitan France gets enough for a wide map of the whole country.
const MARGIN_MAINLAND = { lon: 10, lat: 5 };
const MARGIN_OVERSEAS = { lon: 3, lat: 2 };
const MAINLAND = { west: -6, south: 41, east: 10, north: 52 };
const TOLERANCE_FRANCE = 0.003;      // degrees: ≈ 250 m, under a pixel at zoom 8
const TOLERANCE_NEIGHBOURS = 0.012;  // ≈ 1 km
const TOLERANCE_WORLD = 0.05;
const DETAIL_DIGITS = 3;  // 0.001° ≈ 100 m: finer than the 1:10m data (≈ 0.0036° × 0.0017° quantisation)
const WORLD_DIGITS = 1;

function polygonsOf(geometry) {
  if (!geometry) { return []; }
  if (geometry.type === "FeatureCollection") { return geometry.features.flatMap((f) => polygonsOf(f.geometry)); }
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
}

function bboxOf(points) {
  const box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  for (const [x, y] of points) {
    box.west = Math.min(box.west, x); box.east = Math.max(box.east, x);
    box.south = Math.min(box.south, y); box.north = Math.max(box.north, y);
  }
  return box;
}

const overlaps = (a, b) => a.west <= b.east && b.west <= a.east && a.south <= b.north && b.south <= a.north;
const inside = (a, b) => a.west >= b.west && a.east <= b.east && a.south >= b.south && a.north <= b.north;

function grow(box, margin) {
  return { west: Math.max(-180, box.west - margin.lon), east: Math.min(180, box.east + margin.lon),
           south: Math.max(-85, box.south - margin.lat), north: Math.min(85, box.north + margin.lat) };
}

// Overlapping boxes become their union's box, until none overlap (so nothing is drawn twice).
function mergeBoxes(boxes) {
  let merged = boxes.slice();
  for (let changed = true; changed;) {
    changed = false;
    outer: for (let i = 0; i < merged.length; i++) {
      for (let j = i + 1; j < merged.length; j++) {
        if (overlaps(merged[i], merged[j])) {
          const a = merged[i], b = merged[j];
          merged[i] = { west: Math.min(a.west, b.west), south: Math.min(a.south, b.south),
                        east: Math.max(a.east, b.east), north: Math.max(a.north, b.north) };
          merged.splice(j, 1);
          changed = true;
          break outer;
        }
      }
    }
  }
  return merged.sort((a, b) => a.west - b.west || a.south - b.south);
}

// Sutherland–Hodgman: a ring cut to a box (the box is convex). Edges along the box's side may appear: the land is
// drawn without a stroke, so they do not show.
function clipRing(ring, box) {
  const edges = [
    [(p) => p[0] >= box.west, (p, q) => atX(p, q, box.west)],
    [(p) => p[0] <= box.east, (p, q) => atX(p, q, box.east)],
    [(p) => p[1] >= box.south, (p, q) => atY(p, q, box.south)],
    [(p) => p[1] <= box.north, (p, q) => atY(p, q, box.north)],
  ];
  let out = ring.slice(0, -1);  // open ring
  for (const [keep, cross] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const p = input[i], q = input[(i + 1) % input.length];
      if (keep(p)) {
        out.push(p);
        if (!keep(q)) { out.push(cross(p, q)); }
      } else if (keep(q)) {
        out.push(cross(p, q));
      }
    }
    if (!out.length) { return null; }
  }
  return out.length >= 3 ? [...out, out[0]] : null;
}

function atX(p, q, x) { return [x, p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0])]; }
function atY(p, q, y) { return [p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1]), y]; }

function clipPolygons(polygons, boxes) {
  const out = [];
  for (const polygon of polygons) {
    const outer = bboxOf(polygon[0]);
    for (const box of boxes) {
      if (!overlaps(outer, box)) { continue; }
      if (inside(outer, box)) { out.push(polygon); continue; }
      const [shell, ...holes] = polygon.map((ring) => clipRing(ring, box));
      if (shell) { out.push([shell, ...holes.filter(Boolean)]); }
    }
  }
  return out;
}

// Liang–Barsky: the part of segment p→q inside the box, or null.
function clipSegment(p, q, box) {
  let t0 = 0, t1 = 1;
  const dx = q[0] - p[0], dy = q[1] - p[1];
  for (const [num, den] of [[p[0] - box.west, -dx], [box.east - p[0], dx], [p[1] - box.south, -dy], [box.north - p[1], dy]]) {
    if (den === 0) { if (num < 0) { return null; } continue; }
    const t = num / den;
    if (den < 0) { if (t > t1) { return null; } t0 = Math.max(t0, t); }
    else { if (t < t0) { return null; } t1 = Math.min(t1, t); }
  }
  return [[p[0] + t0 * dx, p[1] + t0 * dy], [p[0] + t1 * dx, p[1] + t1 * dy]];
}

function clipLines(lines, boxes) {
  const out = [];
  for (const line of lines) {
    for (const box of boxes) {
      let run = null;
      for (let i = 0; i + 1 < line.length; i++) {
        const piece = clipSegment(line[i], line[i + 1], box);
        if (!piece) { if (run) { out.push(run); run = null; } continue; }
        if (!run) { run = [piece[0]]; }
        run.push(piece[1]);
        if (piece[1][0] !== line[i + 1][0] || piece[1][1] !== line[i + 1][1]) { out.push(run); run = null; }
      }
      if (run) { out.push(run); }
    }
  }
  return out;
}

// world-atlas is made for d3-geo's spherical geometry, where a ring may cross the antimeridian (the merged land of
// Chukotka) or go round a pole (Antarctica); Leaflet draws on the plane. A ring that crosses is unwrapped, then
// drawn twice (shifted by 360°), each copy cut at ±180°; one that goes round a pole is left out.
const WORLD = { west: -180, south: -85, east: 180, north: 85 };

function unwrap(ring) {
  const out = [ring[0]];
  for (let i = 1; i < ring.length; i++) {
    let x = ring[i][0];
    const previous = out[i - 1][0];
    while (x - previous > 180) { x -= 360; }
    while (previous - x > 180) { x += 360; }
    out.push([x, ring[i][1]]);
  }
  return Math.abs(out[out.length - 1][0] - out[0][0]) < 1e-9 ? out : null;
}

function planarPolygons(polygons) {
  const out = [];
  for (const polygon of polygons) {
    const [shell, ...holes] = polygon.map(unwrap);
    if (!shell) { continue; }
    const rings = [shell, ...holes.filter(Boolean)];
    const box = bboxOf(shell);
    if (box.west >= -180 && box.east <= 180) { out.push(rings); continue; }
    for (const shift of [0, 360, -360]) {
      const [cut, ...cutHoles] = rings.map((ring) => clipRing(ring.map(([x, y]) => [x + shift, y]), WORLD));
      if (cut) { out.push([cut, ...cutHoles.filter(Boolean)]); }
    }
  }
  return out;
}

// Lines are split where they jump across the antimeridian.
function planarLines(lines) {
  const out = [];
  for (const line of lines) {
    let run = [line[0]];
    for (let i = 1; i < line.length; i++) {
      if (Math.abs(line[i][0] - line[i - 1][0]) > 180) { out.push(run); run = []; }
      run.push(line[i]);
    }
    out.push(run);
  }
  return out.filter((run) => run.length >= 2);
}

// Rounded coordinates, without the points that rounding made repeat; rings too small to draw are dropped.
function roundLine(line, digits, minimum) {
  const f = 10 ** digits;
  const out = [];
  for (const [x, y] of line) {
    const point = [Math.round(x * f) / f, Math.round(y * f) / f];
    const last = out[out.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) { out.push(point); }
  }
  return out.length >= minimum ? out : null;
}

function roundPolygons(polygons, digits) {
  return polygons.map((polygon) => {
    const rings = polygon.map((ring) => roundLine(ring, digits, 4));
    return rings[0] ? rings.filter(Boolean) : null;
  }).filter(Boolean);
}

const roundLines = (lines, digits) => lines.map((line) => roundLine(line, digits, 2)).filter(Boolean);

// Douglas–Peucker on the topology's arcs, before any geometry is made of them: a border shared by two countries is
// simplified once, so both sides still meet. `tolerance(i)` is in degrees for arc i.
function simplifyArcs(topology, tolerance) {
  const [sx, sy] = topology.transform.scale;
  topology.arcs = topology.arcs.map((arc, i) => {
    let x = 0, y = 0;
    const points = arc.map(([dx, dy]) => [x += dx, y += dy]);
    const eps = tolerance(i);
    const keep = new Uint8Array(points.length);
    keep[0] = keep[points.length - 1] = 1;
    const stack = [[0, points.length - 1]];
    while (stack.length) {
      const [first, last] = stack.pop();
      let worst = 0, index = -1;
      for (let k = first + 1; k < last; k++) {
        const d = distance(points[k], points[first], points[last], sx, sy);
        if (d > worst) { worst = d; index = k; }
      }
      // A closed arc (an island) keeps its farthest point, whatever the tolerance, so it stays a ring.
      if (index >= 0 && (worst > eps || (first === 0 && last === points.length - 1))) {
        keep[index] = 1;
        stack.push([first, index], [index, last]);
      }
    }
    const kept = points.filter((_, k) => keep[k]);
    let px = 0, py = 0;
    return kept.map(([ax, ay]) => { const d = [ax - px, ay - py]; px = ax; py = ay; return d; });
  });
}

// Distance in degrees from p to the segment a–b (quantised coordinates, scaled by sx, sy).
function distance(p, a, b, sx, sy) {
  const px = (p[0] - a[0]) * sx, py = (p[1] - a[1]) * sy;
  const bx = (b[0] - a[0]) * sx, by = (b[1] - a[1]) * sy;
  const len = bx * bx + by * by;
  const t = len ? Math.max(0, Math.min(1, (px * bx + py * by) / len)) : 0;
  return Math.hypot(px - t * bx, py - t * by);
}

// The arcs that a set of topology geometries use.
function arcsOf(geometries) {
  const used = new Set();
  const walk = (a) => { if (typeof a === "number") { used.add(a < 0 ? ~a : a); } else { a.forEach(walk); } };
  geometries.forEach((g) => walk(g.arcs || []));
  return used;
}

function multiPolygon(properties, polygons) {
  return { type: "Feature", properties, geometry: { type: "MultiPolygon", coordinates: polygons } };
}

function multiLine(properties, lines) {
  return { type: "Feature", properties, geometry: { type: "MultiLineString", coordinates: lines } };
}

function build() {
  const detailed = atlas("countries-10m.json");
  const coarse = atlas("countries-110m.json");
  const coarseLand = atlas("land-110m.json");
  simplifyArcs(coarse, () => TOLERANCE_WORLD);
  simplifyArcs(coarseLand, () => TOLERANCE_WORLD);

  const isFrench = (f) => FRENCH.has(f.id) || FRENCH_NAMES.has(f.properties.name);
  const frenchArcs = arcsOf(detailed.objects.countries.geometries.filter(isFrench));
  simplifyArcs(detailed, (i) => frenchArcs.has(i) ? TOLERANCE_FRANCE : TOLERANCE_NEIGHBOURS);
  const countries = feature(detailed, detailed.objects.countries).features;
  const planar = countries.map((f) => planarPolygons(polygonsOf(f.geometry)));
  const boxes = mergeBoxes(countries.flatMap((f, i) => !isFrench(f) ? [] : planar[i].map((polygon) => {
    const box = bboxOf(polygon[0]);
    return grow(box, overlaps(box, MAINLAND) ? MARGIN_MAINLAND : MARGIN_OVERSEAS);
  })));

  const keep = countries.map((f, i) => isFrench(f) || planar[i].some((p) => boxes.some((b) => overlaps(bboxOf(p[0]), b))));
  const kept = { type: "GeometryCollection", geometries: detailed.objects.countries.geometries.filter((_, i) => keep[i]) };

  const features = [
    multiPolygon({ layer: "world-land" }, roundPolygons(planarPolygons(polygonsOf(feature(coarseLand, coarseLand.objects.land))), WORLD_DIGITS)),
    multiLine({ layer: "world-borders" }, roundLines(planarLines(mesh(coarse, coarse.objects.countries, (a, b) => a !== b).coordinates), WORLD_DIGITS)),
    multiPolygon({ layer: "sea" }, boxes.map((b) => [[[b.west, b.south], [b.east, b.south], [b.east, b.north], [b.west, b.north], [b.west, b.south]]])),
  ];
  countries.forEach((f, i) => {
    if (!keep[i]) { return; }
    const polygons = roundPolygons(isFrench(f) ? planar[i] : clipPolygons(planar[i], boxes), DETAIL_DIGITS);
    if (polygons.length) {
      features.push(multiPolygon({ layer: "land", id: f.id ?? null, name: f.properties.name, france: isFrench(f) }, polygons));
    }
  });
  features.push(multiLine({ layer: "borders" }, roundLines(clipLines(planarLines(mesh(detailed, kept, (a, b) => a !== b).coordinates), boxes), DETAIL_DIGITS)));
  return {
    type: "FeatureCollection",
    source: "Natural Earth (public domain) via world-atlas on npm: countries-10m, countries-110m, land-110m",
    features,
  };
}

const out = process.argv[2];
if (!out) {
  console.error("usage: node build-basemap.mjs OUT.json");
  process.exit(2);
}
mkdirSync(dirname(out), { recursive: true });
const collection = build();
writeFileSync(out, JSON.stringify(collection));
const land = collection.features.filter((f) => f.properties.layer === "land");
console.log(`${out}: ${land.length} countries (${land.filter((f) => f.properties.france).length} French), ` +
            `${collection.features.find((f) => f.properties.layer === "sea").geometry.coordinates.length} boxes`);
