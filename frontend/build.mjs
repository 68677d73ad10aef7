// Bundles frontend/ into lms/static/dist/ (served by Django's staticfiles / WhiteNoise).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, "lms", "static", "dist");
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: { app: join(root, "frontend", "main.js"), "app-style": join(root, "frontend", "main.css") },
  bundle: true,
  minify: true,
  sourcemap: true,
  outdir,
  legalComments: "linked",
  target: ["es2020"],
  logLevel: "info",
});
// axe-core is loaded only by the accessibility tests, never by pages.
copyFileSync(join(root, "node_modules", "axe-core", "axe.min.js"), join(outdir, "axe.min.js"));
