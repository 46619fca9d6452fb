// The map: shades the world-atlas countries by the counts of #map-data (the same numbers as #map-table).
// Shapes carry ISO 3166-1 numeric ids; atlas_codes (from pycountry, on the server) turns them into alpha-3.
// Sets document.body.dataset.pictureReady = "true" once drawn.
(function () {
  "use strict";
  var container = document.getElementById("map");
  var data = document.getElementById("map-data");
  if (!container || !data || typeof d3 === "undefined" || typeof topojson === "undefined") return;
  var model = JSON.parse(data.textContent);
  var byIso3 = {};
  model.countries.forEach(function (c) { byIso3[c.iso3] = c; });
  var form = document.getElementById("map-roles");
  var legend = document.getElementById("map-legend");
  var status = document.getElementById("map-status");
  var NEUTRAL = "#eeeeee";

  function role() {
    var checked = form.querySelector("input[name=role]:checked");
    return checked ? checked.value : "all";
  }
  function roleName(r) {  // as the form names it, in the page's language
    var input = form.querySelector("input[name=role][value='" + r + "']");
    var name = input && input.parentNode.querySelector(".role-name");
    return name ? name.textContent : r;
  }
  function scale(r) {
    // Square-root scale from a light blue (1) to a dark blue (the maximum): zero stays neutral grey.
    var max = Math.max(model.max[r], 1);
    return function (n) { return n > 0 ? d3.interpolateBlues(0.3 + 0.7 * Math.sqrt(n / max)) : NEUTRAL; };
  }
  function describe(iso3, name) {
    var c = byIso3[iso3], r = role();
    var n = c ? c.counts[r] : 0;
    return name + ": " + n + " (" + roleName(r) + ")";
  }

  fetch("/static/vendor/world-atlas/countries-110m.json").then(function (response) {
    return response.json();
  }).then(function (world) {
    var features = topojson.feature(world, world.objects.countries).features;
    var width = 960, height = 500;
    var projection = d3.geoNaturalEarth1().fitSize([width, height], { type: "Sphere" });
    var path = d3.geoPath(projection);
    container.hidden = false;
    var svg = d3.select(container).append("svg")
      .attr("viewBox", "0 0 " + width + " " + height).attr("role", "group")
      .attr("aria-labelledby", "map-title map-desc");
    svg.append("title").attr("id", "map-title").text(container.dataset.title);  // the page's words, translated
    svg.append("desc").attr("id", "map-desc").text(container.dataset.description);
    svg.append("path").attr("class", "sphere").attr("d", path({ type: "Sphere" }));
    var links = svg.append("g").selectAll("a").data(features).join("a")
      .attr("href", function (f) {
        var iso3 = model.atlas_codes[f.id];
        if (!iso3) return null;
        return byIso3[iso3] ? byIso3[iso3].page || null : "/doc/country/" + iso3.toLowerCase();
      })
      .attr("tabindex", function (f) { return byIso3[model.atlas_codes[f.id]] ? null : -1; });
    var shapes = links.append("path").attr("class", "country")
      .attr("data-iso3", function (f) { return model.atlas_codes[f.id] || null; })
      .attr("d", path);
    var titles = shapes.append("title");

    function show(event, f) {
      var iso3 = model.atlas_codes[f.id];
      var name = byIso3[iso3] ? byIso3[iso3].label : (f.properties && f.properties.name) || iso3 || "";
      status.hidden = false;
      status.textContent = describe(iso3, name);
    }
    links.on("mouseover", show).on("focus", show);

    function paint() {
      var r = role(), colour = scale(r);
      shapes.attr("fill", function (f) {
        var c = byIso3[model.atlas_codes[f.id]];
        return colour(c ? c.counts[r] : 0);
      });
      titles.text(function (f) {
        var iso3 = model.atlas_codes[f.id];
        return describe(iso3, byIso3[iso3] ? byIso3[iso3].label : (f.properties && f.properties.name) || "");
      });
      var max = model.max[r];
      legend.hidden = false;
      legend.innerHTML = "";
      var stops = max > 0 ? [1, Math.max(1, Math.round(max / 4)), Math.max(1, Math.round(max / 2)), max] : [];
      stops = stops.filter(function (v, i) { return stops.indexOf(v) === i; });
      [[0, NEUTRAL]].concat(stops.map(function (v) { return [v, colour(v)]; })).forEach(function (stop) {
        var item = document.createElement("span");
        var swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = stop[1];
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(String(stop[0])));
        legend.appendChild(item);
      });
      var caption = document.createElement("span");
      caption.textContent = "— " + roleName(r);
      legend.appendChild(caption);
    }
    form.addEventListener("change", function () {
      paint();
      var url = new URL(window.location.href);
      url.searchParams.set("role", role());
      window.history.replaceState(null, "", url);
    });
    paint();
    document.body.dataset.pictureReady = "true";
  });
})();
