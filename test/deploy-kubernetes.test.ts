// deploy/kubernetes/: the Indexed Job parses, has what a Job needs, agrees with itself about the
// number of shards N, passes the secret as a file, and runs the image the Dockerfile builds; the
// file that image holds (dist/bench.js alone) runs under Node 22 with nothing beside it. No
// cluster and no Docker engine were reachable here: this is what can be checked without them.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { runtimeBinaryIn } from '../bench/compare/runtime-table.mjs';
import { UsageError } from '../bench/options/usage-error.js';
import { runOptions } from './fixtures/run-result.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const deploy = join(root, 'deploy/kubernetes');
const version: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

/** The value at `path` inside parsed YAML, or undefined where the path leaves it. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}

function list(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what} is a list`);
  return value;
}

function strings(value: unknown, what: string): string[] {
  return list(value, what).map((item) => {
    assert.equal(typeof item, 'string', `${what}: every item is a string`);
    return String(item);
  });
}

const job: unknown = parse(readFileSync(join(deploy, 'job.yaml'), 'utf8'));
const podSpec = at(job, 'spec', 'template', 'spec');
const container = at(podSpec, 'containers', 0);
const args = strings(at(container, 'args'), 'args');
const env = list(at(container, 'env') ?? [], 'env');
const dockerfile = readFileSync(join(deploy, 'Dockerfile'), 'utf8');

/** The value after `flag` in the container's args. */
function argAfter(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

/** The Dockerfile's instruction lines (comments and blank lines dropped), as [keyword, rest]. */
function instructions(): [string, string][] {
  return dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ');
      return [line.slice(0, space).toUpperCase(), line.slice(space + 1).trim()];
    });
}

function instruction(keyword: string): string[] {
  return instructions().filter(([k]) => k === keyword).map(([, rest]) => rest);
}

describe('deploy/kubernetes/job.yaml: an Indexed Job of shards', () => {
  test('is a batch/v1 Job in Indexed completion mode with one pod per shard, all at once', () => {
    assert.equal(at(job, 'apiVersion'), 'batch/v1');
    assert.equal(at(job, 'kind'), 'Job');
    assert.equal(typeof at(job, 'metadata', 'name'), 'string');
    assert.equal(at(job, 'spec', 'completionMode'), 'Indexed');
    const completions = at(job, 'spec', 'completions');
    assert.ok(Number.isInteger(completions) && Number(completions) >= 1, 'completions is a whole number');
    assert.equal(at(job, 'spec', 'parallelism'), completions, 'parallelism = completions: the shards share one timetable');
    assert.equal(at(job, 'spec', 'backoffLimit'), 0, 'a retried shard would start late');
    // A Job's pods may not restart in place (Always is refused by the API server).
    assert.ok(['Never', 'OnFailure'].includes(String(at(podSpec, 'restartPolicy'))));
  });

  test('every pod runs --shard $(JOB_COMPLETION_INDEX)/N with the N of completions, on one --start-at, and prints JSON', () => {
    const completions = Number(at(job, 'spec', 'completions'));
    assert.equal(argAfter('--shard'), `$(JOB_COMPLETION_INDEX)/${completions}`);
    assert.equal(args.filter((a) => a === '--shard').length, 1);
    assert.ok(argAfter('--start-at') !== undefined, '--start-at is given');
    assert.equal(argAfter('--output'), 'json');
    assert.ok(argAfter('--host') !== undefined, 'a target is given');
  });

  test('every $(NAME) in the args is set: by the Job controller (JOB_COMPLETION_INDEX) or in env', () => {
    const defined = new Set(['JOB_COMPLETION_INDEX', ...env.map((e) => String(at(e, 'name')))]);
    const referenced = args.flatMap((a) => [...a.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!));
    assert.ok(referenced.length > 0);
    for (const name of referenced) assert.ok(defined.has(name), `$(${name}) is defined`);
    const startAt = env.find((e) => at(e, 'name') === 'START_AT_MS');
    assert.equal(at(startAt, 'value'), 'SET-AT-SUBMIT', 'the start time is a placeholder the README replaces');
  });

  test('the args are a valid run in every pod once Kubernetes has expanded them; the unset start time is refused in one line', () => {
    const completions = Number(at(job, 'spec', 'completions'));
    const values = new Map(env.map((e) => [String(at(e, 'name')), String(at(e, 'value'))]));
    const dir = mkdtempSync(join(tmpdir(), 'wse-bench-job-'));
    try {
      const secretFile = join(dir, 'secret');
      writeFileSync(secretFile, 'from-a-secret');
      const expanded = (index: number, startAt: string): string[] => args
        .map((a) => a.replace(/\$\(([A-Za-z_0-9]+)\)/g, (_, name: string) => (name === 'JOB_COMPLETION_INDEX' ? String(index) : name === 'START_AT_MS' ? startAt : values.get(name)!)))
        .map((a, i, all) => (all[i - 1] === '--secret-file' ? secretFile : a));
      for (let index = 0; index < completions; index++) {
        const options = runOptions(expanded(index, '1900000000000'));
        assert.deepEqual(options.shard, { index, count: completions });
        assert.equal(options.secret, 'from-a-secret');
        assert.equal(options.output, 'json');
        assert.equal(options.startAtEpochMs, 1900000000000);
      }
      assert.throws(() => runOptions(expanded(0, 'SET-AT-SUBMIT')), (error: unknown) => error instanceof UsageError && /^--start-at expects a whole number/.test(error.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the secret comes from a Kubernetes Secret mounted as a file, never from args or env', () => {
    assert.equal(argAfter('--secret'), undefined, 'no --secret in args');
    for (const e of env) assert.equal(at(e, 'valueFrom', 'secretKeyRef'), undefined, 'no secret in env');
    const file = argAfter('--secret-file');
    assert.ok(file !== undefined, '--secret-file is given');
    const mounts = list(at(container, 'volumeMounts'), 'volumeMounts');
    const mount = mounts.find((m) => file.startsWith(`${String(at(m, 'mountPath'))}/`));
    assert.ok(mount !== undefined, `${file} lies in a mounted volume`);
    assert.equal(at(mount, 'readOnly'), true);
    const volume = list(at(podSpec, 'volumes'), 'volumes').find((v) => at(v, 'name') === at(mount, 'name'));
    assert.equal(typeof at(volume, 'secret', 'secretName'), 'string', 'the volume is a Secret');
    const items = list(at(volume, 'secret', 'items'), 'secret items');
    const relative = file.slice(String(at(mount, 'mountPath')).length + 1);
    assert.ok(items.some((item) => at(item, 'path') === relative), `the Secret provides ${relative}`);
  });

  test('resources: requests and limits for CPU and memory, equal (Guaranteed QoS)', () => {
    for (const resource of ['cpu', 'memory']) {
      const request = at(container, 'resources', 'requests', resource);
      assert.ok(request !== undefined, `requests.${resource}`);
      assert.equal(at(container, 'resources', 'limits', resource), request, `limits.${resource} = requests.${resource}`);
    }
  });

  test('pod anti-affinity keeps shards on different nodes, selecting the pods by their own labels', () => {
    const terms = list(at(podSpec, 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'), 'anti-affinity terms');
    const term = terms[0];
    assert.equal(at(term, 'topologyKey'), 'kubernetes.io/hostname');
    const selector = at(term, 'labelSelector', 'matchLabels');
    const labels = at(job, 'spec', 'template', 'metadata', 'labels');
    assert.ok(typeof selector === 'object' && selector !== null);
    for (const [key, value] of Object.entries(selector)) assert.equal(at(labels, key), value, `the pods carry ${key}=${String(value)}`);
  });

  test('the pod widens its ephemeral port range with a safe sysctl', () => {
    const sysctls = list(at(podSpec, 'securityContext', 'sysctls'), 'sysctls');
    const range = sysctls.find((s) => at(s, 'name') === 'net.ipv4.ip_local_port_range');
    const match = /^(\d+) (\d+)$/.exec(String(at(range, 'value')));
    assert.ok(match !== null, 'a "low high" range');
    assert.ok(Number(match[2]) - Number(match[1]) + 1 > 60999 - 32768 + 1, 'wider than the kernel default');
    assert.equal(at(podSpec, 'hostNetwork'), undefined, 'sysctls are refused with hostNetwork');
    assert.equal(at(podSpec, 'securityContext', 'runAsNonRoot'), true);
  });
});

describe('deploy/kubernetes/Dockerfile: the image the Job runs', () => {
  test('Node 22 (or Bun) base, dist/bench.js alone copied in, and the Job\'s command is its ENTRYPOINT', () => {
    const from = instruction('FROM');
    assert.equal(from.length, 1, 'one stage');
    assert.match(from[0]!, /^(node:22[-.\w]*|oven\/bun:[-.\w]+)$/);
    const copies = [...instruction('COPY'), ...instruction('ADD')];
    assert.equal(copies.length, 1, 'one file goes in');
    assert.match(copies[0]!, /^dist\/bench\.js \S+$/);
    assert.deepEqual(instruction('RUN'), [], 'nothing is installed: no dependencies, dev or not');
    const entrypoint = instruction('ENTRYPOINT');
    assert.equal(entrypoint.length, 1);
    const command: unknown = JSON.parse(entrypoint[0]!);
    assert.deepEqual(at(container, 'command'), command, 'the Job spells out the image\'s ENTRYPOINT');
    const workdir = instruction('WORKDIR')[0]!;
    const copiedTo = copies[0]!.split(' ')[1]!;
    assert.equal(strings(command, 'ENTRYPOINT').at(-1), join(workdir, copiedTo), 'the ENTRYPOINT runs the copied file');
  });

  test('the Job\'s image is the one the README builds: wse-bench:<package version>', () => {
    assert.equal(at(container, 'image'), `wse-bench:${String(version)}`);
    assert.ok(dockerfile.includes(`-t wse-bench:${String(version)} .`), 'the Dockerfile\'s build line tags the same image');
  });

  test('the build context is dist/bench.js alone (Dockerfile.dockerignore)', () => {
    const rules = readFileSync(join(deploy, 'Dockerfile.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(rules, ['*', '!dist/bench.js']);
  });

  test('the image\'s one file runs under Node 22 with nothing beside it: a short benchmark against its embedded server', () => {
    const node22 = runtimeBinaryIn('node22', join(root, 'node_modules'), process.execPath);
    const dir = mkdtempSync(join(tmpdir(), 'wse-bench-image-'));
    try {
      runAlone(node22, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Copies dist/bench.js alone into `dir` under the image's name for it and runs it there. */
function runAlone(node22: string, dir: string): void {
  const copiedTo = instruction('COPY')[0]!.split(' ')[1]!;
  const file = join(dir, copiedTo);
  copyFileSync(join(root, 'dist/bench.js'), file);
  const versionRun = spawnSync(node22, [file, '--version'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(versionRun.status, 0, versionRun.stderr);
  assert.equal(versionRun.stdout.trim(), String(version));
  const bench = spawnSync(node22, [file, '--test', 'throughput', '--tiers', '5', '--duration', '0.5', '--warmup', '0', '--output', 'json'], {
    cwd: dir, encoding: 'utf8', timeout: 120_000,
  });
  assert.equal(bench.status, 0, bench.stderr);
  const result: unknown = JSON.parse(bench.stdout);
  const tier = at(result, 'tests', 0, 'tiers', 0);
  assert.equal(at(tier, 'connectionCounts', 'established'), 5);
  assert.equal(at(tier, 'consistency', 'ok'), true, 'the server read what the client delivered');
}
