// Injected by build.mjs from package.json; the fallback serves tests run from source.
declare const __WSE_BENCH_VERSION__: string | undefined;
export const VERSION: string = typeof __WSE_BENCH_VERSION__ === 'string' ? __WSE_BENCH_VERSION__ : '0.0.0-dev';
export const CLIENT_NAME = 'wse-bench-ts';
