// Replaced at build time by esbuild's `define`; the fallback is for unbundled runs.
declare const __TSPOD_VERSION__: string | undefined;
export const VERSION: string = typeof __TSPOD_VERSION__ === `string` ? __TSPOD_VERSION__ : `0.0.0-dev`;
