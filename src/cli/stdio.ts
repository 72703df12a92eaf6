// The process's stdout and stderr as commands write them: util/fdWriter.ts says why not
// process.stdout. Node's streams are still there, made on first use, through `.stream`.
import {FdWriter} from '../util/fdWriter';

export const stdout = new FdWriter(1, () => process.stdout);
export const stderr = new FdWriter(2, () => process.stderr);
