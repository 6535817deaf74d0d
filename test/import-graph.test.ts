// The import graph of bench/, adapters/ and core/ as esbuild resolves it (its metafile: every
// module it bundles and what each one imports at run time; build.mjs writes it): no module takes
// part in an import cycle, and nothing in core/ or adapters/ imports from bench/.
// (core-imports.test.ts also keeps core/ to node: modules and its own files, type-only imports included.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LAYERS = ['bench', 'adapters', 'core'] as const;
const inLayers = (path: string): boolean => LAYERS.some((layer) => path.startsWith(`${layer}/`));

/**
 * module → the modules of the three layers it imports: read from the metafile that
 * `node build.mjs --tests` writes beside the suites (every file of the layers an entry point, so a
 * module no entry reaches is checked too).
 */
function importGraph(): Map<string, string[]> {
  const imports = JSON.parse(readFileSync(fileURLToPath(new URL('./import-graph.json', import.meta.url)), 'utf8')) as Record<string, string[]>;
  const graph = new Map<string, string[]>();
  for (const [path, targets] of Object.entries(imports)) if (inLayers(path)) graph.set(path, targets.filter(inLayers));
  return graph;
}

/** The strongly connected components with more than one module, or one that imports itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, order.get(w)!));
      }
    }
    if (low.get(v) !== order.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!order.has(v)) visit(v);
  return found;
}

describe('import graph', () => {
  test('the cycle finder finds cycles, and only cycles', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    assert.deepEqual(cycles(graph), [['a', 'b', 'c'], ['e']]);
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', []]])), []);
  });

  test('no import cycle in bench/, adapters/ or core/; nothing in core/ or adapters/ imports bench/', () => {
    const graph = importGraph();
    assert.ok(graph.size >= 100, `the metafile named only ${graph.size} modules`);
    assert.ok([...graph.values()].some((imports) => imports.length > 0), 'no imports read');
    assert.deepEqual(cycles(graph), []);
    const upward = [...graph].flatMap(([module, imports]) =>
      module.startsWith('bench/') ? [] : imports.filter((i) => i.startsWith('bench/')).map((i) => `${module} → ${i}`),
    );
    assert.deepEqual(upward, []);
  });
});
