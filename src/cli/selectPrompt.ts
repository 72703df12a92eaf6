// A one-question menu on the terminal, as podman shows for an ambiguous short name:
// arrow keys (or j/k) move, Enter picks, Ctrl-C or Esc gives up. The terminal is put
// in raw mode only while the menu is up and always restored.
import {TspodError} from '../engine/errors';

const UP = [`\x1b[A`, `k`], DOWN = [`\x1b[B`, `j`], PICK = [`\r`, `\n`], QUIT = [`\x03`, `\x1b`, `\x04`];

/** A chunk of terminal input split into keys: escape sequences whole, other bytes one by one. */
function keys(text: string): Array<string> {
  return text.match(/\x1b\[[0-9;]*[A-Za-z~]|[\s\S]/g) ?? [];
}

export function selectPrompt(input: NodeJS.ReadStream, output: NodeJS.WritableStream, title: string, items: ReadonlyArray<string>): Promise<number> {
  let at = 0;
  const draw = (first: boolean) => {
    if (!first) output.write(`\x1b[${items.length}A`);
    items.forEach((it, i) => output.write(`\r\x1b[2K${i === at ? `  \u25b8 ` : `    `}${it}\n`));
  };
  return new Promise((resolve, reject) => {
    // Raw before the menu shows: keys typed once it is up are never cooked.
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    output.write(`? ${title}: \n`);
    draw(true);
    const done = (err: Error | undefined, value?: number) => {
      input.off(`data`, onData);
      input.setRawMode(wasRaw);
      input.pause();
      if (err) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      for (const key of keys(chunk.toString(`latin1`))) if (onKey(key)) return;
    };
    /** True once the menu is answered. */
    const onKey = (key: string): boolean => {
      if (UP.includes(key)) at = (at + items.length - 1) % items.length;
      else if (DOWN.includes(key)) at = (at + 1) % items.length;
      else if (PICK.includes(key)) {
        output.write(`\x1b[${items.length + 1}A\r\x1b[J\u2714 ${items[at]}\n`);
        done(undefined, at);
        return true;
      } else if (QUIT.includes(key)) {
        output.write(`\n`);
        done(new TspodError(`InvalidArgument`, `short-name resolution: no image selected`, {hint: `use a fully-qualified reference`}));
        return true;
      } else return false;
      draw(false);
      return false;
    };
    input.on(`data`, onData);
  });
}
