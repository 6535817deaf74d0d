// The Prometheus text exposition format (version 0.0.4), read strictly enough to trust a counter:
// lines end with \n; blank lines are skipped; `#` lines are comments, of which `# HELP name doc`
// and `# TYPE name type` are metadata; a sample is `name{label="value",…} value [timestamp]`, tokens
// separated by spaces or tabs, a label value escaping \\, \" and \n, a trailing comma allowed in
// the label set, the value a float or NaN / +Inf / -Inf, the timestamp integer ms. Anything else
// is a malformed line, reported with its number.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export type ParsedExposition =
  | { ok: true; samples: Sample[]; types: Map<string, string> }
  | { ok: false; reason: string };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const METRIC_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+$/;

export function parsePrometheusText(text: string): ParsedExposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    const problem = line.startsWith('#') ? readComment(line, types) : readSample(line, samples);
    if (problem !== undefined) return { ok: false, reason: `line ${i + 1}: ${problem}` };
  }
  return { ok: true, samples, types };
}

function readComment(line: string, types: Map<string, string>): string | undefined {
  const tokens = line.slice(1).trim().split(/[ \t]+/);
  if (tokens[0] === 'TYPE') {
    const [, name, type, ...rest] = tokens;
    if (name === undefined || !NAME.test(name) || NAME.exec(name)![0] !== name) return 'TYPE needs a metric name';
    if (type === undefined || !METRIC_TYPES.has(type) || rest.length > 0) return `TYPE ${name}: "${tokens.slice(2).join(' ')}" is not counter, gauge, histogram, summary or untyped`;
    types.set(name, type);
  } else if (tokens[0] === 'HELP') {
    const name = tokens[1];
    if (name === undefined || NAME.exec(name)?.[0] !== name) return 'HELP needs a metric name';
  }
  // any other comment is ignored
  return undefined;
}

function readSample(line: string, samples: Sample[]): string | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return `"${clip(line)}" does not start with a metric name`;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    const end = readLabels(line, at + 1, labels);
    if (typeof end === 'string') return `${name}: ${end}`;
    at = end;
  }
  const rest = line.slice(at);
  if (rest.trim() === '') return `${name} has no value`;
  if (!/^[ \t]/.test(rest)) return `"${clip(line)}": a space must come before the value`;
  const [valueText = '', timestampText, ...extra] = rest.trim().split(/[ \t]+/);
  const value = parseValue(valueText);
  if (value === undefined) return `${name}: "${clip(valueText)}" is not a number`;
  if (extra.length > 0) return `${name}: unexpected "${clip(extra.join(' '))}" after the value`;
  const sample: Sample = { name, labels, value };
  if (timestampText !== undefined) {
    if (!TIMESTAMP.test(timestampText)) return `${name}: "${clip(timestampText)}" is not a timestamp (integer ms)`;
    sample.timestampMs = Number(timestampText);
  }
  samples.push(sample);
  return undefined;
}

/** Reads `label="value",…}` from `at`; where the sample continues, or what is wrong. */
function readLabels(line: string, start: number, labels: Record<string, string>): number | string {
  let at = start;
  for (;;) {
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] === '}') return at + 1;
    const label = LABEL_NAME.exec(line.slice(at))?.[0];
    if (label === undefined) return 'a label name was expected';
    at += label.length;
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] !== '=') return `label ${label} has no =`;
    at++;
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] !== '"') return `label ${label}'s value is not quoted`;
    at++;
    let value = '';
    for (;;) {
      const c = line[at];
      if (c === undefined) return `label ${label}'s value is not closed`;
      if (c === '"') break;
      if (c === '\\') {
        const next = line[at + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else return `label ${label}: invalid escape \\${next ?? ''}`;
        at += 2;
        continue;
      }
      value += c;
      at++;
    }
    at++;
    if (label in labels) return `label ${label} appears twice`;
    labels[label] = value;
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] === ',') {
      at++;
      continue;
    }
    if (line[at] === '}') return at + 1;
    return `label set not closed after ${label}`;
  }
}

/** A float as Prometheus writes them, NaN and ±Inf included; undefined when it is none. */
export function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  return FLOAT.test(text) ? Number(text) : undefined;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
