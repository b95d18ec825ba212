// Bundles src/main.js (and cytoscape from node_modules) into backend/web/static/app.js, copies the
// page and styles, and writes the bundled libraries' licences beside them. The output is committed,
// so running the app needs no node; rebuild with `make web` after editing src/.
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

// WEB_OUT lets the tests build elsewhere and compare with the committed output.
const out = process.env.WEB_OUT || "../backend/web/static";
mkdirSync(`${out}/licenses`, { recursive: true });
await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  outfile: `${out}/app.js`,
  legalComments: "linked",
});
cpSync("src/index.html", `${out}/index.html`);
cpSync("src/app.css", `${out}/app.css`);
cpSync("src/favicon.svg", `${out}/favicon.svg`);
const items = [];
for (const lib of ["cytoscape"]) {
  const pkg = JSON.parse(readFileSync(`node_modules/${lib}/package.json`, "utf8"));
  const text = readFileSync(`node_modules/${lib}/LICENSE`, "utf8");
  const name = `${lib}-${pkg.version}.LICENSE.txt`;
  writeFileSync(`${out}/licenses/${name}`, `${lib} ${pkg.version} (${pkg.license})\n\n${text}`);
  items.push(`<li><a href="${name}">${lib} ${pkg.version}</a> (${pkg.license})</li>`);
}
writeFileSync(
  `${out}/licenses/index.html`,
  `<!doctype html><meta charset="utf-8"><title>Licences</title><h1>Bundled libraries</h1><ul>${items.join("")}</ul>\n`,
);
console.log(`built ${out}/app.js`);
