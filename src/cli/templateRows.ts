// `--format` for list commands (ps, images): a Go template per row; with a leading
// `table`, podman prints a header made from the template's fields and lines up the
// columns the template separates with tabs or spaces.
import {renderTemplate, templateBody} from './goTemplate';
import {table} from './humanize';

/** The lines for `items` (JSON formats are the caller's business). */
export function formatRows(format: string, items: ReadonlyArray<unknown>, headers: Readonly<Record<string, string>>): string {
  const isTable = /^table(\s|$)/.test(format);
  const body = templateBody(format === `table` ? `` : format);
  const tpl = isTable ? columnsFromSpaces(body) : body;
  const rendered = items.map(item => renderTemplate(tpl, item));
  if (!isTable) return rendered.join(`\n`);
  const header = renderHeader(tpl, headers);
  if (!tpl.includes(`\t`)) return [header, ...rendered].join(`\n`);
  return table(header.split(`\t`), rendered.map(r => r.split(`\t`)));
}

/** podman: in a table, spaces between a template's actions separate columns, as tabs do. */
function columnsFromSpaces(tpl: string): string {
  return tpl.split(/(\{\{[\s\S]*?\}\})/).map((part, i) => i % 2 === 1 ? part : part.replace(/[ \t]+/g, `\t`)).join(``);
}

/** The template with each `{{.Field}}` as its column name (podman's, or the field upper-cased). */
function renderHeader(tpl: string, headers: Readonly<Record<string, string>>): string {
  return tpl.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const field = /^\.(\w+)$/.exec(expr)?.[1];
    return field === undefined ? `` : headers[field] ?? field.toUpperCase();
  });
}
