// core/ must stay free of npm, adapters/ and bench/: it imports only node: modules and its own files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const coreDir = resolve(process.cwd(), 'core');

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

describe('core/ imports', () => {
  test('the scanner recognises forbidden imports', () => {
    const file = join(coreDir, 'x.ts');
    const sample = "import { a } from 'ws';\nimport type { B } from '../bench/results.js';\nexport * from './y.js';\nimport 'node:fs';\nconst m = await import('msgpackr');";
    const bad = specifiers(sample).filter((s) => violation(file, s) !== null);
    assert.deepEqual(bad.sort(), ['../bench/results.js', 'msgpackr', 'ws']);
  });

  test('every core/ file imports only node: modules and files inside core/', () => {
    const files = tsFiles(coreDir);
    assert.ok(files.length >= 4, `found only ${files.length} files under ${coreDir}`);
    const problems: string[] = [];
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        const why = violation(file, specifier);
        if (why) problems.push(`${relative(coreDir, file)}: '${specifier}' ${why}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
