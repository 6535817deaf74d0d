// core/ must stay free of npm, adapters/ and bench/: it imports only node: modules and its own files.
// adapters/ may use npm packages and core/, never bench/. Type-only imports count too (the runtime
// import graph, without them, is checked by import-graph.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const coreDir = resolve(process.cwd(), 'core');
const adaptersDir = resolve(process.cwd(), 'adapters');
const benchDir = resolve(process.cwd(), 'bench');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Module specifiers of static imports/exports, dynamic import() and require(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** Why a specifier is not allowed in `file`, or null. */
function violation(file: string, specifier: string): string | null {
  if (specifier.startsWith('node:')) return null;
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return 'not a node: or relative import';
  const target = resolve(dirname(file), specifier);
  if (relative(coreDir, target).startsWith('..')) return 'leaves core/';
  return null;
}

/** Why an adapters/ specifier is not allowed in `file`, or null. */
function adapterViolation(file: string, specifier: string): string | null {
  if (specifier.startsWith('.') && !relative(benchDir, resolve(dirname(file), specifier)).startsWith('..')) return 'reaches into bench/';
  return null;
}

/** Every import of a file under `dir` that `judge` refuses, as 'file: specifier why'. */
function problemsIn(dir: string, judge: (file: string, specifier: string) => string | null): string[] {
  const files = tsFiles(dir);
  assert.ok(files.length >= 4, `found only ${files.length} files under ${dir}`);
  const problems: string[] = [];
  for (const file of files) {
    for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
      const why = judge(file, specifier);
      if (why) problems.push(`${relative(dir, file)}: '${specifier}' ${why}`);
    }
  }
  return problems;
}

describe('core/ imports', () => {
  test('the scanner recognises forbidden imports', () => {
    const file = join(coreDir, 'x.ts');
    const sample = "import { a } from 'ws';\nimport type { B } from '../bench/results.js';\nexport * from './y.js';\nimport 'node:fs';\nconst m = await import('msgpackr');";
    const bad = specifiers(sample).filter((s) => violation(file, s) !== null);
    assert.deepEqual(bad.sort(), ['../bench/results.js', 'msgpackr', 'ws']);
  });

  test('every core/ file imports only node: modules and files inside core/', () => {
    assert.deepEqual(problemsIn(coreDir, violation), []);
  });

  test('no adapters/ file imports from bench/', () => {
    assert.equal(adapterViolation(join(adaptersDir, 'client', 'x.ts'), '../../bench/results.js'), 'reaches into bench/');
    assert.equal(adapterViolation(join(adaptersDir, 'client', 'x.ts'), '../../core/tls.js'), null);
    assert.deepEqual(problemsIn(adaptersDir, adapterViolation), []);
  });
});
