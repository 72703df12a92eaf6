// A small subset of Go's text/template for `--format`: `{{.A.B}}`, `{{json .A}}`,
// `{{index .A "key"}}`, `{{upper .A}}`, `{{lower .A}}`, `{{range .A}}…{{end}}`, `{{.}}`,
// `\t`/`\n` escapes and a leading `table ` (dropped; the caller prints headers).
// Values print as Go does for the common cases: strings raw, numbers, booleans,
// slices as [a b], maps as map[k:v].

function goString(v: unknown): string {
  if (v === null || v === undefined) return `<no value>`;
  if (Array.isArray(v)) return `[${v.map(goString).join(` `)}]`;
  if (typeof v === `object`) return `map[${Object.keys(v as object).sort().map(k => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(` `)}]`;
  return String(v);
}

function lookup(data: unknown, path: string): unknown {
  if (path === `.`) return data;
  let cur: unknown = data;
  for (const key of path.split(`.`).filter(Boolean)) {
    const k = cur !== null && typeof cur === `object` ? fieldKey(cur as object, key) : undefined;
    if (k === undefined) throw new Error(`can't evaluate field ${key}`);
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * The key a template field names: itself, else the one that differs only in case. Go
 * templates name struct fields (`.Host.Security.Rootless`) whose JSON keys podman writes
 * in lower camel case (`host.security.rootless`); tspod's documents are those JSON objects.
 */
function fieldKey(obj: object, key: string): string | undefined {
  if (key in obj) return key;
  const lower = key.toLowerCase();
  return Object.keys(obj).find(k => k.toLowerCase() === lower);
}

function evalExpr(expr: string, data: unknown): unknown {
  const words = expr.match(/"[^"]*"|\S+/g) ?? [];
  const arg = (w: string | undefined) => w === undefined ? undefined : w.startsWith(`"`) ? w.slice(1, -1) : lookup(data, w);
  switch (words[0]) {
    case `json`: return JSON.stringify(arg(words[1]));
    case `index`: {
      const m = arg(words[1]) as Record<string, unknown> | Array<unknown> | null;
      const k = arg(words[2]);
      return m === null || m === undefined ? undefined : (m as Record<string, unknown>)[String(k)];
    }
    case `upper`: return String(arg(words[1])).toUpperCase();
    case `lower`: return String(arg(words[1])).toLowerCase();
    case `len`: { const v = arg(words[1]); return Array.isArray(v) ? v.length : typeof v === `string` ? v.length : Object.keys(v ?? {}).length; }
    default: return arg(words[0]);
  }
}

/** The template as it renders: without a leading `table`, `\\t` and `\\n` made tab and newline. */
export function templateBody(tpl: string): string {
  return tpl.replace(/^table\s+/, ``).replace(/\\t/g, `\t`).replace(/\\n/g, `\n`);
}

export function renderTemplate(tpl: string, data: unknown): string {
  return render(templateBody(tpl), data);
}

function render(src: string, data: unknown): string {
  let out = ``;
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf(`{{`, i);
    if (open < 0) { out += src.slice(i); break; }
    out += src.slice(i, open);
    const close = src.indexOf(`}}`, open);
    if (close < 0) throw new Error(`unclosed action`);
    const expr = src.slice(open + 2, close).trim();
    i = close + 2;
    if (expr.startsWith(`range `)) {
      // Find the matching {{end}} (no nesting of ranges needed for our formats).
      const end = src.indexOf(`{{end}}`, i);
      if (end < 0) throw new Error(`range without end`);
      const body = src.slice(i, end);
      const list = evalExpr(expr.slice(6), data);
      for (const item of Array.isArray(list) ? list : Object.values(list ?? {})) out += render(body, item);
      i = end + `{{end}}`.length;
      continue;
    }
    const v = evalExpr(expr, data);
    out += typeof v === `string` ? v : goString(v);
  }
  return out;
}
