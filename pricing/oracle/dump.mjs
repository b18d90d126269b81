// Writes the genai-prices catalogue bundled in the pinned npm package to
// pricing/data (run by `make prices`). The package bundles its v2 data
// inside dist/index.js and exports only calcPrice and friends, so the
// bundle is re-exported with its two data constants added: the provider
// list (the v2 data.json shape) and the unit registry (units.yml).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.join(here, 'node_modules', '@pydantic', 'genai-prices');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const src = fs.readFileSync(path.join(pkgDir, 'dist', 'index.js'), 'utf8');

// The bundle opens with `const E = [` (providers) and its unit registry is
// the object that follows `], J = {`; its closing export block is replaced.
if (!src.startsWith('const E = [') || !src.includes('], J = {')) {
  throw new Error(`dump.mjs: dist/index.js of ${pkg.version} no longer has the expected shape; update dump.mjs`);
}
const cut = src.lastIndexOf('export {');
const tmp = path.join(here, 'node_modules', '.dump.mjs');
fs.writeFileSync(tmp, src.slice(0, cut) + 'export { E as providers, J as units };\n');
const { providers, units } = await import(pathToFileURL(tmp).href);
fs.rmSync(tmp);

const out = path.join(here, '..', 'data');
fs.writeFileSync(path.join(out, 'catalogue.json'), JSON.stringify(providers) + '\n');
fs.writeFileSync(path.join(out, 'units.json'), JSON.stringify(units, null, 1) + '\n');
fs.writeFileSync(path.join(out, 'VERSION'), `${pkg.version}\n`);
fs.copyFileSync(path.join(pkgDir, 'LICENSE'), path.join(out, 'LICENSE'));
const models = providers.reduce((n, p) => n + p.models.length, 0);
console.log(`dump.mjs: @pydantic/genai-prices ${pkg.version}: ${providers.length} providers, ${models} models, ${Object.keys(units).length} units`);
