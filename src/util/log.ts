// A tiny leveled logger writing to stderr; podman's --log-level names.
export type LogLevel = `debug` | `info` | `warn` | `error` | `fatal` | `panic`;
const order: Array<LogLevel> = [`debug`, `info`, `warn`, `error`, `fatal`, `panic`];

export interface Logger {
  level: LogLevel;
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function isLogLevel(s: string): s is LogLevel {
  return (order as Array<string>).includes(s);
}

export function createLogger(level: LogLevel, write: (line: string) => void): Logger {
  const on = (l: LogLevel) => order.indexOf(l) >= order.indexOf(level);
  const emit = (l: LogLevel, prefix: string, msg: string) => {
    if (on(l)) write(`${prefix}${msg}\n`);
  };
  return {
    level,
    debug: m => emit(`debug`, `DEBU `, m),
    info: m => emit(`info`, `INFO `, m),
    warn: m => emit(`warn`, `WARN[0000] `, m),
    error: m => emit(`error`, `ERRO[0000] `, m),
  };
}
