// `tspod run` end to end with the built-in runtime (tspod-helper). The cases are in
// _runCases.ts; run-runc.test.ts runs the same ones with `--runtime runc`.
import {runCases} from './_runCases';

runCases(`builtin`);
