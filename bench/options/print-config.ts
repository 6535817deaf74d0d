// --print-config: every setting of the run after all layers, with the layer it came from, so a
// surprising value can be traced to its config file, environment variable or flag. The secret and
// header values are never shown.
import { isProfileDefault, flagOf, type OptionList, type OptionSpec } from './option.js';
import { envVariableOf, type SettingSource } from './layers.js';
import { isRepeatable } from './value-kinds.js';
import { REDACTED } from './secret.js';
import type { ProfileName } from './choices.js';

/** What --url sets when it is given. */
const FROM_URL = new Set(['host', 'port', 'path', 'tls']);

function sourceText(spec: OptionSpec, source: SettingSource | undefined, profile: ProfileName, fromUrl: boolean): string {
  if (source !== undefined) {
    switch (source.layer) {
      case 'config':
        return `config ${source.file}`;
      case 'env':
        return `environment ${source.variable}`;
      case 'flag':
        return 'command line';
      default:
        break;
    }
  }
  if (fromUrl && FROM_URL.has(spec.name)) return 'the URL';
  return spec.default !== undefined && isProfileDefault(spec.default) ? `profile ${profile}` : 'default';
}

/** A header's name, from a --header value ({ name, value }). */
function headerName(item: unknown): string {
  return typeof item === 'object' && item !== null && 'name' in item && typeof item.name === 'string' ? item.name : '?';
}

function valueText(spec: OptionSpec, value: unknown): string {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return '(none)';
  if (spec.name === 'secret') return REDACTED;
  if (spec.name === 'header' && Array.isArray(value)) return value.map((item) => `${headerName(item)}: ${REDACTED}`).join(', ');
  if (isRepeatable(spec.kind) && Array.isArray(value)) return spec.kind.each(value).join(', ');
  return spec.kind.render(value);
}

export function renderSettings(options: OptionList, values: Readonly<Record<string, unknown>>, sources: Readonly<Record<string, SettingSource>>, profile: ProfileName): string {
  const shown = options.filter((spec) => spec.internal !== true && spec.flagOnly !== true);
  const fromUrl = values['url'] !== undefined;
  const rows = shown.map((spec) => [flagOf(spec), valueText(spec, values[spec.name]), sourceText(spec, sources[spec.name], profile, fromUrl)] as const);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = [
    '# wse-bench settings, lowest layer first: default < --config file < environment (WSE_BENCH_<OPTION>) < command line',
    ...rows.map(([flag, value, source]) => `${flag.padEnd(widths[0]!)}  ${value.padEnd(widths[1]!)}  ${source}`),
    `# each option's variable: ${envVariableOf(shown[0]!)} for ${flagOf(shown[0]!)}, and so on`,
  ];
  return `${lines.join('\n')}\n`;
}
