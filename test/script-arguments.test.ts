// The benchmark scripts' arguments (scripts/lib/arguments.ts): a mistake is one line with the
// usage, never parseArgs' stack trace; --help is the usage.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScriptArguments } from '../scripts/lib/arguments.js';

const USAGE = 'npm run bench:x -- [--quick] [--repeat K]';
const OPTIONS = { quick: { type: 'boolean', default: false }, repeat: { type: 'string' } } as const;

describe('benchmark script arguments', () => {
  test('options are parsed with their types and defaults', () => {
    // parseArgs' values have no prototype: compared by their own properties.
    const values = (argv: string[]): Record<string, unknown> => {
      const parsed = parseScriptArguments(argv, USAGE, OPTIONS);
      assert.ok('values' in parsed, JSON.stringify(parsed));
      return { ...parsed.values };
    };
    assert.deepEqual(values(['--repeat', '3']), { quick: false, repeat: '3' });
    assert.deepEqual(values(['--quick']), { quick: true });
  });

  test('a stray argument (the `--` npm would have removed, run directly) is one line with the usage', () => {
    const parsed = parseScriptArguments(['--', '--quick'], USAGE, OPTIONS);
    assert.ok('mistake' in parsed, JSON.stringify(parsed));
    assert.match(parsed.mistake, /^Unexpected argument '--quick'; usage: npm run bench:x -- \[--quick\] \[--repeat K\]$/);
  });

  test('an unknown option and a missing value are one line each, naming the argument', () => {
    for (const [argv, named] of [[['--bogus'], '--bogus'], [['--repeat'], '--repeat']] as const) {
      const parsed = parseScriptArguments(argv, USAGE, OPTIONS);
      assert.ok('mistake' in parsed, JSON.stringify(parsed));
      assert.ok(parsed.mistake.includes(named), parsed.mistake);
      assert.ok(!parsed.mistake.includes('\n'), parsed.mistake);
      assert.ok(parsed.mistake.endsWith(`; usage: ${USAGE}`), parsed.mistake);
    }
  });

  test('--help and -h give the usage', () => {
    assert.deepEqual(parseScriptArguments(['--help'], USAGE, OPTIONS), { help: `usage: ${USAGE}` });
    assert.deepEqual(parseScriptArguments(['--quick', '-h'], USAGE, OPTIONS), { help: `usage: ${USAGE}` });
  });
});
