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

// Progress bars carry their value as data-progress="42" rather than an inline style attribute, which
// the content security policy forbids; the width is set here, through the CSSOM, which it allows.
function sizeProgressBars(root) {
  const bars = root.matches?.("[data-progress]") ? [root] : [];
  bars.push(...root.querySelectorAll("[data-progress]"));
  bars.forEach((bar) => {
    const value = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0));
    bar.style.width = `${value}%`;
  });
}

function enhance(root) {
  renderCharts(root);
  sizeProgressBars(root);
}

document.addEventListener("DOMContentLoaded", () => enhance(document));
document.addEventListener("htmx:afterSwap", (event) => enhance(event.target));
document.addEventListener("htmx:load", (event) => sizeProgressBars(event.target));
