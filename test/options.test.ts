// The option model: every command's options declared once and derived into the parser, --help,
// the flags handed to a child process and a JSON schema; these must agree with one another.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAgainstSchema } from '../bench/json-schema.js';
import { COMPARE_COMMAND, MERGE_COMMAND, RUN_COMMAND, SERVE_COMMAND, WORKER_COMMAND, type Command } from '../bench/options/commands.js';
import { DURATION, PINGS, TLS } from '../bench/options/declarations.js';
import { describeDefault, helpText } from '../bench/options/help.js';
import { flagOf, type OptionList } from '../bench/options/option.js';
import { parseCommandLine, withDefaults } from '../bench/options/parse.js';
import { PROFILES } from '../bench/options/profiles.js';
import { optionsSchema, renderFlags } from '../bench/options/render.js';
import { UsageError } from '../bench/options/usage-error.js';

const COMMANDS: Command<OptionList>[] = [RUN_COMMAND, SERVE_COMMAND, COMPARE_COMMAND, MERGE_COMMAND, WORKER_COMMAND];

describe('option declarations', () => {
  for (const command of COMMANDS) {
    test(`${command.name || 'run'}: one option per flag`, () => {
      const flags = command.options.map(flagOf);
      assert.deepEqual(flags, [...new Set(flags)]);
      for (const flag of flags) assert.match(flag, /^--[a-z]+(-[a-z]+)*$/);
    });

    test(`${command.name || 'run'}: the defaults, written as flags, parse back to themselves`, () => {
      for (const profile of Object.values(PROFILES)) {
        const defaults = withDefaults(command.options, {}, profile);
        const argv = renderFlags(command.options, defaults);
        const reparsed = withDefaults(command.options, parseCommandLine(command, argv).given, profile);
        assert.deepEqual(reparsed, defaults, argv.join(' '));
      }
    });

    test(`${command.name || 'run'}: the defaults fit the schema derived from the option kinds`, () => {
      const defaults = withDefaults(command.options, {});
      assert.deepEqual(validateAgainstSchema(defaults, optionsSchema(command.options)), []);
    });
  }

  test('a value that does not fit its kind is refused by the schema too', () => {
    const problems = validateAgainstSchema({ port: 0, transport: 'carrier-pigeon' }, optionsSchema(RUN_COMMAND.options));
    assert.equal(problems.length, 2, problems.join('; '));
  });

  test('--help shows profile-dependent defaults per profile, and switches as off', () => {
    assert.equal(describeDefault(DURATION), `profile: ${PROFILES.default.durationSec} (quick ${PROFILES.quick.durationSec}, full ${PROFILES.full.durationSec})`);
    assert.equal(describeDefault(PINGS), `profile: ${PROFILES.default.pings} (quick ${PROFILES.quick.pings})`);
    assert.equal(describeDefault(TLS), 'off');
    const help = helpText(RUN_COMMAND);
    assert.match(help, /--duration <s> +throughput send phase \(default: profile: 5 \(quick 2, full 10\)\)/);
  });

  test('internal serve flags work but are not listed', () => {
    const { given } = parseCommandLine(SERVE_COMMAND, ['--ipc', '--idle-timeout', '200']);
    assert.equal(given.ipc, true);
    assert.equal(given.idleTimeout, 200);
    assert.doesNotMatch(helpText(SERVE_COMMAND), /--ipc|--idle-timeout/);
  });

  test('one line per mistake, naming the flag', () => {
    const refusal = (command: Command<OptionList>, argv: string[]): string => {
      try {
        parseCommandLine(command, argv);
      } catch (error) {
        assert.ok(error instanceof UsageError);
        return error.message;
      }
      return assert.fail(`accepted ${argv.join(' ')}`);
    };
    assert.equal(refusal(SERVE_COMMAND, ['--port', '70000']), '--port must be between 0 and 65535, got 70000');
    assert.equal(refusal(SERVE_COMMAND, ['--tls=yes']), '--tls takes no value');
    assert.equal(refusal(MERGE_COMMAND, ['a.json', '--bogus']), 'unknown option --bogus');
    assert.equal(refusal(WORKER_COMMAND, ['extra']), 'unexpected argument "extra"');
    assert.equal(refusal(COMPARE_COMMAND, ['--transport', 'ws']), 'compare takes --transports (a list), not --transport');
    assert.deepEqual(parseCommandLine(MERGE_COMMAND, ['a.json', 'b.json']).positionals, ['a.json', 'b.json']);
  });
});
