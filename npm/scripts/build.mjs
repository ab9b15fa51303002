// Builds the package: the wasm crate in release (in cargo's target directory,
// `CARGO_TARGET_DIR` included), wasm-bindgen's `web` glue, then one bundle per
// runtime entry, all into dist/.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const npm = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(npm);
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

/**
 * Builds the wasm crate and returns the path of the module, as cargo reports
 * it: wherever the target directory is (`CARGO_TARGET_DIR`, absolute or
 * relative to the repository root, or cargo's configuration).
 */
function buildWasm() {
  const args = ['build', '--locked', '--release', '-p', 'edgehooks-wasm', '--target', 'wasm32-unknown-unknown', '--message-format=json-render-diagnostics'];
  const cargo = spawnSync('cargo', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // Diagnostics went to stderr already.
  if (cargo.status !== 0) process.exit(cargo.status ?? 1);
  for (const line of cargo.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line);
    if (message.reason !== 'compiler-artifact' || message.target?.name !== 'edgehooks_wasm') continue;
    const module = message.filenames.find((file) => file.endsWith('.wasm'));
    if (module) return module;
  }
  throw new Error('cargo built no edgehooks_wasm.wasm');
}

const wasm = buildWasm();
const glue = join(npm, 'src/wasm');
rmSync(glue, { recursive: true, force: true });
run(process.env.WASM_BINDGEN ?? 'wasm-bindgen', ['--target', 'web', '--out-dir', glue, '--out-name', 'edgehooks', wasm]);

const dist = join(npm, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
copyFileSync(join(glue, 'edgehooks_bg.wasm'), join(dist, 'edgehooks_bg.wasm'));

const common = { bundle: true, logLevel: 'warning', target: 'es2022', external: ['./edgehooks_bg.wasm', 'node:*'] };
await build({ ...common, entryPoints: [join(npm, 'src/node.mjs')], outfile: join(dist, 'node.mjs'), format: 'esm', platform: 'node' });
await build({
  ...common,
  entryPoints: [join(npm, 'src/node-cjs.mjs')],
  outfile: join(dist, 'node.cjs'),
  format: 'cjs',
  platform: 'node',
  // The glue's async loader (unused here) mentions import.meta.url.
  logOverride: { 'empty-import-meta': 'silent' },
});
await build({ ...common, entryPoints: [join(npm, 'src/workerd.mjs')], outfile: join(dist, 'workerd.mjs'), format: 'esm', platform: 'neutral' });
await build({ ...common, entryPoints: [join(npm, 'src/browser.mjs')], outfile: join(dist, 'browser.mjs'), format: 'esm', platform: 'browser' });
// edgehooks/client: Fetch only, no WebAssembly; one ES module for every runtime, and CommonJS for require in Node.
await build({ ...common, entryPoints: [join(npm, 'src/client.js')], outfile: join(dist, 'client.mjs'), format: 'esm', platform: 'neutral' });
await build({ ...common, entryPoints: [join(npm, 'src/client.js')], outfile: join(dist, 'client.cjs'), format: 'cjs', platform: 'node' });
// edgehooks/momento, one bundle per runtime entry. Each imports that runtime's
// entry (./node.mjs, ./node.cjs, ./workerd.mjs, ./browser.mjs) from next to it
// in dist/ rather than bundling a copy: one module, one WebAssembly instance.
const besideInDist = {
  name: 'beside-in-dist',
  setup(b) {
    b.onResolve({ filter: /^\.\/(node|workerd|browser)\.(mjs|cjs)$/ }, (args) => ({ path: args.path, external: true }));
  },
};
for (const [entry, outfile, format, platform] of [
  ['momento-node.mjs', 'momento-node.mjs', 'esm', 'node'],
  ['momento-node-cjs.mjs', 'momento-node.cjs', 'cjs', 'node'],
  ['momento-workerd.mjs', 'momento-workerd.mjs', 'esm', 'neutral'],
  ['momento-browser.mjs', 'momento-browser.mjs', 'esm', 'browser'],
]) {
  await build({ ...common, entryPoints: [join(npm, 'src', entry)], outfile: join(dist, outfile), format, platform, plugins: [besideInDist] });
}
