// --help of any command, generated from its declarations: every option with its placeholder, help
// and default (a profile-dependent default shows each profile's value).
import { PROFILE_NAMES } from './choices.js';
import type { Command } from './commands.js';
import { flagOf, isProfileDefault, OPTION_GROUPS, type OptionGroup, type OptionList, type OptionSpec } from './option.js';
import { PROFILES } from './profiles.js';

export function helpText<L extends OptionList>(command: Command<L>): string {
  const listed = (command.listed ?? command.options).filter((spec) => spec.internal !== true);
  const lines = [...command.usage, ''];
  const width = Math.max(...listed.map((spec) => label(spec).length)) + 2;
  const line = (spec: OptionSpec): string => {
    const fallback = describeDefault(spec);
    return `  ${label(spec).padEnd(width)}${spec.help}${fallback === '' ? '' : ` (default: ${fallback})`}`;
  };
  if (command.grouped) {
    for (const group of Object.keys(OPTION_GROUPS) as OptionGroup[]) {
      const members = listed.filter((spec) => spec.group === group);
      if (members.length === 0) continue;
      lines.push(`${OPTION_GROUPS[group]}:`, ...members.map(line), '');
    }
  } else {
    lines.push(...listed.map(line), '');
  }
  lines.push(...command.footer);
  return lines.join('\n').trimEnd();
}

export function label(spec: OptionSpec): string {
  const arg = spec.arg ?? spec.kind.placeholder;
  const flag = spec.short === undefined ? flagOf(spec) : `-${spec.short}, ${flagOf(spec)}`;
  return arg === undefined ? flag : `${flag} ${arg}`;
}

/** The default as --help shows it: 'profile: 5 (quick 2, full 10)', 'off', '5006'; '' for none. */
export function describeDefault(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const fallback = spec.default;
  if (fallback === undefined) return '';
  if (isProfileDefault(fallback)) {
    const base = fallback.fromProfile(PROFILES.default);
    const others = PROFILE_NAMES.filter((name) => name !== 'default')
      .map((name) => [name, fallback.fromProfile(PROFILES[name])] as const)
      .filter(([, value]) => value !== base)
      .map(([name, value]) => `${name} ${spec.kind.render(value)}`);
    return `profile: ${spec.kind.render(base)}${others.length > 0 ? ` (${others.join(', ')})` : ''}`;
  }
  if (spec.kind.placeholder === undefined) return fallback === true ? 'on' : 'off';
  return spec.kind.render(fallback);
}
