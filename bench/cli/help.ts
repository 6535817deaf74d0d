// --help, generated from the option table so every option and its default is listed.
import { OPTION_TABLE, type OptionSpec } from './option-table.js';
import { describeProfileTiers, PROFILES } from './profiles.js';

const GROUP_TITLES: Record<OptionSpec['group'], string> = {
  target: 'Target and client',
  tests: 'Tests and tiers',
  output: 'Output',
  server: 'Embedded server (only without --host)',
  general: 'General',
};

export function helpText(): string {
  const lines = [
    'Usage: wse-bench [options]              benchmark a WSE server (embedded one without --host)',
    '       wse-bench serve [options]        run the embedded server in the foreground (serve --help)',
    '       wse-bench compare [options]      transport × runtime A/B runs with ratios (compare --help)',
    '       wse-bench merge a.json b.json …  merge JSON results of separate runs (merge --help)',
    '',
  ];
  const width = Math.max(...OPTION_TABLE.map((o) => label(o).length)) + 2;
  for (const group of Object.keys(GROUP_TITLES) as OptionSpec['group'][]) {
    lines.push(`${GROUP_TITLES[group]}:`);
    for (const spec of OPTION_TABLE.filter((o) => o.group === group)) {
      const fallback = spec.defaultText === '' ? '' : ` (default: ${spec.defaultText})`;
      lines.push(`  ${label(spec).padEnd(width)}${spec.help}${fallback}`);
    }
    lines.push('');
  }
  lines.push('Profiles (tiers per test when --tiers is not given):');
  for (const name of ['default', 'quick', 'full'] as const) {
    lines.push(`  ${name.padEnd(8)}${describeProfileTiers(PROFILES[name])}`);
  }
  lines.push('  default: all seven tests in about 3 minutes on a 2-core machine.');
  lines.push('');
  lines.push('Exit codes: 0 results produced, 1 nothing could be measured, 2 usage error, 130 interrupted.');
  return lines.join('\n');
}

function label(spec: OptionSpec): string {
  return spec.arg === undefined ? spec.flag : `${spec.flag} ${spec.arg}`;
}
