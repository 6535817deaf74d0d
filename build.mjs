// Builds the one-file bundle dist/bench.js (and, with --tests, the test suites into .build/test).
// The bundle is ESM with a shebang and runs unchanged under Node 20, Node 22 and Bun.
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

// Native addons and their optional accelerators are loaded at run time when present.
const external = ['@trufflesuite/uws-js-unofficial', 'uWebSockets.js', 'msgpackr-extract', 'bufferutil', 'utf-8-validate'];

// Bundled CommonJS packages (ws, hdr-histogram-js) call require(); give the ESM bundle one.
const banner = [
  "import { createRequire as __wseCreateRequire } from 'node:module';",
  'const require = __wseCreateRequire(import.meta.url);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __WSE_BENCH_VERSION__: JSON.stringify(pkg.version) },
};

await build({
  ...common,
  entryPoints: ['bench/main.ts'],
  outfile: 'dist/bench.js',
  external,
  banner: { js: `#!/usr/bin/env node\n${banner}` },
});

if (process.argv.includes('--tests')) {
  // Arguments after --tests filter the suites by name, so one suite can be rebuilt alone.
  const filters = process.argv.slice(process.argv.indexOf('--tests') + 1);
  const entries = readdirSync('test')
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
    .map((f) => `test/${f}`);
  await build({
    ...common,
    entryPoints: entries,
    outdir: process.env.WSE_TEST_OUTDIR ?? '.build/test',
    outExtension: { '.js': '.mjs' },
    packages: 'external',
    banner: { js: banner },
  });
}
