// Built-ins loaded when first used rather than when a module that might use them loads:
// each costs milliseconds of every command that merely imports such a module (`images`
// opens the Store, which can spawn the apply worker; it never does to list). require,
// not import(): see src/cli/BaseCommand.ts confirm.
/* eslint-disable @typescript-eslint/no-require-imports */

/** ~7 ms: it loads node:net, node:dgram and node:stream. */
export const childProcess = (): typeof import('node:child_process') => require(`node:child_process`);

/** ~1 ms. */
export const readline = (): typeof import('node:readline') => require(`node:readline`);

/** ~3 ms with node:stream/promises. */
export const stream = (): typeof import('node:stream') => require(`node:stream`);
export const streamPromises = (): typeof import('node:stream/promises') => require(`node:stream/promises`);

/** node:net and node:dgram (~5 ms with node:stream): the network code needs them only to check ports. */
export const net = (): typeof import('node:net') => require(`node:net`);
export const dgram = (): typeof import('node:dgram') => require(`node:dgram`);

/** With crypto: what Node's roots and a TLS context need, only for a registry's https. */
export const tls = (): typeof import('node:tls') => require(`node:tls`);
