// The portal's JavaScript bundle: Bootstrap's behaviours, htmx for live updates, Chart.js for charts.
import "bootstrap/dist/js/bootstrap.bundle.js";
import htmx from "htmx.org";
import { Chart, registerables } from "chart.js";

Chart.register(...registerables);
window.htmx = htmx;
window.Chart = Chart;

// Charts are declared in templates as <canvas data-chart="ID"> next to a json_script element ID,
// so no inline script is needed and the content security policy can forbid it.
function renderCharts(root) {
  root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    if (canvas.dataset.rendered) return;
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    canvas.dataset.rendered = "1";
    new Chart(canvas, JSON.parse(source.textContent));
  });
}

document.addEventListener("DOMContentLoaded", () => renderCharts(document));
document.addEventListener("htmx:afterSwap", (event) => renderCharts(event.target));
