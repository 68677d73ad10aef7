// Bundles frontend/ into lms/static/dist/ (served by Django's staticfiles / WhiteNoise).
// Every page loads app.js (an ES module) and app-style.css; code that only some pages use, Chart.js
// above all, is split into chunks under dist/chunks/ that app.js imports when a page needs them.
// Chunk names carry a hash of their content, so they can be cached for good (see lms.static_files).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, "lms", "static", "dist");
rmSync(outdir, { recursive: true, force: true }); // no stale chunk of an earlier build gets collected
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: { app: join(root, "frontend", "main.js"), "app-style": join(root, "frontend", "main.css") },
  bundle: true,
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  minify: true,
  sourcemap: true,
  outdir,
  legalComments: "linked",
  target: ["es2020"],
  logLevel: "info",
});
// axe-core is loaded only by the accessibility tests, never by pages.
copyFileSync(join(root, "node_modules", "axe-core", "axe.min.js"), join(outdir, "axe.min.js"));
