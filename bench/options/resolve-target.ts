// The target part of a run's options: a URL (`wse-bench ws://host:5006/wse`) in place of --host,
// --port, --path and --tls, and the extra upgrade headers (--header) checked against --auth.
import type { BenchOptions } from './bench-options.js';
import type { RunGiven, RunValues } from './resolve-run.js';
import { parseTargetUrl } from './target-kinds.js';
import { UsageError } from './usage-error.js';

/** `values` with the URL's host, port, path and TLS; a flag that says the same thing otherwise is refused. */
export function withTargetUrl(values: RunValues, given: RunGiven): RunValues {
  if (values.url === undefined) return values;
  const url = parseTargetUrl(values.url, '--url');
  for (const [name, flag] of [['host', '--host'], ['port', '--port'], ['tls', '--tls']] as const) {
    if (given[name] !== undefined && given[name] !== false) throw new UsageError(`the URL ${values.url} sets the target: drop ${flag}`);
  }
  if (url.path !== undefined && given.path !== undefined) throw new UsageError(`the URL ${values.url} has a path: drop --path`);
  return { ...values, host: url.host, port: url.port, tls: url.tls, path: url.path ?? values.path };
}

/** --header as a record by name; Cookie and Authorization spelt as the session looks them up. */
export function upgradeHeaders(values: RunValues): Pick<BenchOptions, 'headers'> {
  const list = values.header ?? [];
  if (list.length === 0) return {};
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { name, value } of list) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new UsageError(`--header ${name} is given twice`);
    seen.add(lower);
    if (lower === 'authorization' && values.auth === 'bearer') throw new UsageError('--header Authorization: --auth bearer sends the JWT there; add --auth none to send your own');
    headers[lower === 'cookie' ? 'Cookie' : lower === 'authorization' ? 'Authorization' : name] = value;
  }
  return { headers };
}
