/* Proficio charts: draw each [data-chart] element from the Vega-Lite spec in the
 * <script type="application/json"> whose id the attribute names (web/_chart.html).
 *
 * The Content-Security-Policy forbids eval, inline script and inline style, so:
 *  - ast: true makes Vega hand expressions to vega-interpreter (bundled in vega-embed's
 *    build, which uses it when ast is set) instead of compiling them with new Function;
 *  - defaultStyle: false and tooltip: false stop vega-embed and vega-tooltip from adding
 *    <style> elements (Vega then shows tooltips through the title attribute).
 */
(function () {
  "use strict";

  var EMBED_OPTIONS = {
    actions: false,
    ast: true,
    renderer: "svg",
    defaultStyle: false,
    tooltip: false,
  };

  function titleText(title) {
    if (!title) return "";
    if (typeof title === "string") return title;
    if (Array.isArray(title)) return title.join(" ");
    return titleText(title.text);
  }

  function fail(element, error) {
    element.setAttribute("data-chart-state", "failed");
    element.removeAttribute("role");
    element.removeAttribute("aria-label");
    element.textContent = element.getAttribute("data-chart-error") || "";
    // The table holds the same numbers: show it when the picture cannot be drawn.
    var figure = element.closest("figure");
    var details = figure && figure.querySelector("details");
    if (details) details.open = true;
    console.error("Proficio chart " + element.id + " could not be drawn:", error);
  }

  function draw(element) {
    element.setAttribute("data-chart-state", "drawing");
    var source = document.getElementById(element.getAttribute("data-chart"));
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      fail(element, error);
      return;
    }
    if (typeof window.vegaEmbed !== "function") {
      fail(element, new Error("vega-embed is not loaded"));
      return;
    }
    window.vegaEmbed(element, spec, EMBED_OPTIONS).then(
      function () {
        // Screen readers get one named picture (Vega's own role, graphics-document, is
        // not read by all of them); the table below holds the details.
        element.setAttribute("role", "img");
        element.setAttribute("aria-label", spec.description || titleText(spec.title));
        element.setAttribute("data-chart-state", "drawn");
      },
      function (error) {
        fail(element, error);
      }
    );
  }

  function drawAll() {
    document.querySelectorAll("[data-chart]:not([data-chart-state])").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  // HTMX swaps in new content (and sometimes charts); draw whatever has not been drawn.
  document.addEventListener("htmx:afterSwap", drawAll);
})();
