// Every esbuild configuration of the project, by name, and the command that builds them:
//   node build.mjs                        dist/bench.js (npm run build, and npm ci's prepare)
//   node build.mjs --tests [filter…]      dist/bench.js, the test suites whose names contain a filter
//                                         (all without one), the serve bundle they start and the
//                                         import graph they check, into $WSE_TEST_OUTDIR (default .build/test),
//                                         and the ceiling's children (.build/ceiling.mjs)
//   node build.mjs --script NAME [arg…]   dist/bench.js, the child bundles the benchmark scripts
//                                         start, and scripts/NAME.ts; then runs it with this Node
// Bundles are ESM and run unchanged under Node 20, Node 22 and Bun.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

// Native addons and their optional accelerators are loaded at run time when present.
const external = ['@trufflesuite/uws-js-unofficial', 'uWebSockets.js', 'msgpackr-extract', 'bufferutil', 'utf-8-validate'];

// Bundled CommonJS packages (ws, hdr-histogram-js) call require(); give the ESM bundle one.
const requireBanner = [
  "import { createRequire as __wseCreateRequire } from 'node:module';",
  'const require = __wseCreateRequire(import.meta.url);',
].join('\n');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __WSE_BENCH_VERSION__: JSON.stringify(pkg.version) },
};

/**
 * The bundles, by name.
 * @satisfies {Record<string, (...args: never[]) => import('esbuild').BuildOptions>}
 */
const TARGETS = {
  /** The tool: one file with a shebang. */
  bench: () => ({ ...common, entryPoints: ['bench/main.ts'], outfile: 'dist/bench.js', external, banner: { js: `#!/usr/bin/env node\n${requireBanner}` } }),
  /** The raw TCP ceiling's and the raw-client floor's child processes (scripts/lib/ceiling.ts). */
  ceiling: () => ({ ...common, entryPoints: ['bench/ceiling/main.ts'], outfile: '.build/ceiling.mjs' }),
  /** The memory of one held connection (scripts/bench-ab.ts). */
  'connection-memory': () => ({ ...common, entryPoints: ['bench/perf/connection-memory.ts'], outfile: '.build/connection-memory.mjs', external, banner: { js: requireBanner } }),
  /** `serve` alone, for the suites that start servers without the whole CLI. */
  serve: (/** @type {string} */ outdir) => ({ ...common, entryPoints: ['bench/server/serve-entry.ts'], outfile: `${outdir}/serve.mjs`, packages: 'external' }),
  /** The test suites, one .mjs each. */
  tests: (/** @type {string} */ outdir, /** @type {string[]} */ filters) => ({
    ...common,
    entryPoints: readdirSync('test')
      .filter((f) => f.endsWith('.test.ts'))
      .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
      .map((f) => `test/${f}`),
    outdir,
    outExtension: { '.js': '.mjs' },
    packages: 'external',
    banner: { js: requireBanner },
  }),
  /** Every module of bench/, adapters/ and core/, each an entry point, for its import graph (esbuild's metafile). */
  graph: () => ({
    ...common,
    entryPoints: ['bench', 'adapters', 'core'].flatMap(sourceFiles),
    outdir: '.build/graph',
    write: false,
    metafile: true,
    packages: 'external',
    logLevel: 'silent',
  }),
  /** A benchmark script (scripts/NAME.ts); its npm packages come from node_modules at run time. */
  script: (/** @type {string} */ name) => ({ ...common, entryPoints: [`scripts/${name}.ts`], outfile: `.build/scripts/${name}.mjs`, packages: 'external' }),
};

/** @param {string} dir every .ts and .mjs file below it */
function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap(/** @returns {string[]} */ (entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const argv = process.argv.slice(2);
await build(TARGETS.bench());
if (argv[0] === '--tests') {
  const outdir = process.env.WSE_TEST_OUTDIR ?? '.build/test';
  // The ceiling's children too: the native yardstick's suite measures its flood into the JS sink.
  const [, , graph] = await Promise.all([build(TARGETS.tests(outdir, argv.slice(1))), build(TARGETS.serve(outdir)), build(TARGETS.graph()), build(TARGETS.ceiling())]);
  // module → the modules it imports at run time (import-graph.test.ts)
  const imports = Object.fromEntries(Object.entries(graph.metafile.inputs).map(([path, input]) => [path, input.imports.map((i) => i.path)]));
  writeFileSync(join(outdir, 'import-graph.json'), `${JSON.stringify(imports, null, 1)}\n`);
} else if (argv[0] === '--script') {
  const name = argv[1];
  if (name === undefined) throw new Error('build.mjs --script needs the name of a script in scripts/');
  await Promise.all([build(TARGETS.script(name)), build(TARGETS.ceiling()), build(TARGETS['connection-memory']())]);
  const child = spawn(process.execPath, [`.build/scripts/${name}.mjs`, ...argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the script too; it decides how to stop, and its exit code is ours.
  process.on('SIGINT', () => undefined);
  child.once('exit', (code, signal) => process.exit(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
}
