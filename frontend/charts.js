// Chart.js, loaded on demand by main.js for the pages that show a chart (the dashboards): at about
// 70 KB compressed it would otherwise be most of every page's download.
import { Chart, registerables } from "chart.js";

Chart.register(...registerables);

export function renderChart(canvas) {
  if (canvas.dataset.rendered) return;
  const source = document.getElementById(canvas.dataset.chart);
  if (!source) return;
  canvas.dataset.rendered = "1";
  new Chart(canvas, JSON.parse(source.textContent));
}
