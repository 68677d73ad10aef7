// The script every page loads, kept small for slow connections: the navigation's collapse (the only
// Bootstrap behaviour the pages use), htmx for live updates and the progress bars. Chart.js is a
// separate chunk (charts.js), fetched only by a page that has a chart.
import "bootstrap/js/src/collapse.js";
import htmx from "htmx.org";

window.htmx = htmx;

// Charts are declared in templates as <canvas data-chart="ID"> next to a json_script element ID,
// so no inline script is needed and the content security policy can forbid it.
function renderCharts(root) {
  const canvases = [...root.querySelectorAll("canvas[data-chart]:not([data-rendered])")];
  if (canvases.length === 0) return;
  import("./charts.js").then(({ renderChart }) => canvases.forEach(renderChart));
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

// The version for the visually impaired with images off (lms/accessibility.py): the style sheet hides
// the images and charts; each image gets its text alternative next to it, each chart its table.
function showImageAlternatives(root) {
  if (!document.documentElement.classList.contains("vision-no-images")) return;
  root.querySelectorAll("img[alt]:not([alt=''])").forEach((img) => {
    if (img.nextElementSibling?.classList.contains("vision-alt")) return;
    const text = document.createElement("span");
    text.className = "vision-alt";
    text.textContent = img.alt;
    img.after(text);
  });
  // Charts are hidden with the images: their tables take their place.
  root.querySelectorAll("details.chart-table").forEach((details) => (details.open = true));
}

function enhance(root) {
  renderCharts(root);
  sizeProgressBars(root);
  showImageAlternatives(root);
}

// A module script runs after the document is parsed, before DOMContentLoaded.
document.addEventListener("DOMContentLoaded", () => enhance(document));
document.addEventListener("htmx:afterSwap", (event) => enhance(event.target));
document.addEventListener("htmx:load", (event) => sizeProgressBars(event.target));
