// esbuild plugins that keep clipanion from paying for what tspod never uses at startup.
// - its platform module (lib/platform/node.js) loads node:tty for a default colour depth
//   main.ts overrides: replaced by src/cli/clipanionPlatform.ts (8 ms per command).
// - its default context reads process.stdin, stdout and stderr at load, and each run
//   spreads the context (which reads every getter): creating those streams costs 5 to
//   8 ms each, and tspod's commands write through src/cli/stdio.ts instead. They (and the
//   colour depth, which asks whether stdout is a terminal) become getters, and the
//   contexts are merged keeping getters.
// - its usage names an option's value `#0` (`--root #0`); podman's help names its type,
//   and `--root string` reads as podman's does (clipanion does not know ints from strings).
// Each patch must apply exactly as counted, or the build fails: a new clipanion
// release is then looked at, not silently left unpatched.
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';

const MERGE = `
function mergeContexts(...contexts) {
  const out = {};
  for (const c of contexts) if (c) Object.defineProperties(out, Object.getOwnPropertyDescriptors(c));
  return out;
}
`;

function patch(text, file, edits) {
  for (const [pattern, replacement, count] of edits) {
    const found = text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
    if (found !== count) throw new Error(`clipanion patch: ${pattern} matched ${found} times in ${file}, expected ${count}`);
    text = text.replace(new RegExp(pattern.source, 'g'), replacement);
  }
  return text;
}

export function clipanionPatches(root) {
  return {
    name: 'clipanion-patches',
    setup(b) {
      b.onResolve({filter: /^\.\.\/platform$/}, args => args.importer.includes('/node_modules/clipanion/')
        ? {path: join(root, 'src/cli/clipanionPlatform.ts')} : undefined);
      b.onLoad({filter: /node_modules\/clipanion\/lib\/advanced\/Cli\.js$/}, async args => {
        const text = patch(await readFile(args.path, 'utf8'), args.path, [
          [/stdin: process\.stdin,/, 'get stdin() { return process.stdin; },', 1],
          [/stdout: process\.stdout,/, 'get stdout() { return process.stdout; },', 1],
          [/stderr: process\.stderr,/, 'get stderr() { return process.stderr; },', 1],
          [/colorDepth: platform\.getDefaultColorDepth\(\),/, 'get colorDepth() { return platform.getDefaultColorDepth(); },', 1],
          [/\{\s*\.\.\.Cli\.defaultContext,\s*\.\.\.userContext,\s*\}/, 'mergeContexts(Cli.defaultContext, userContext)', 2],
          [/\{ \.\.\.context, \.\.\.subContext \}/, 'mergeContexts(context, subContext)', 2],
        ]);
        return {contents: text + MERGE, loader: 'js'};
      });
      b.onLoad({filter: /node_modules\/clipanion\/lib\/core\.js$/}, async args => ({
        contents: patch(await readFile(args.path, 'utf8'), args.path, [[/args\.push\(` #\$\{t\}`\);/, 'args.push(` string`);', 1]]),
        loader: 'js',
      }));
    },
  };
}
