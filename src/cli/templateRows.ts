// `--format` for list commands (ps, images): a Go template per row; with a leading
// `table`, podman prints a header made from the template's fields and lines up the
// columns the template separates with tabs.
import {renderTemplate, templateBody} from './goTemplate';
import {table} from './humanize';

/** The lines for `items` (JSON formats are the caller's business). */
export function formatRows(format: string, items: ReadonlyArray<unknown>, headers: Readonly<Record<string, string>>): string {
  const isTable = /^table(\s|$)/.test(format);
  const tpl = templateBody(format === `table` ? `` : format);
  const rendered = items.map(item => renderTemplate(tpl, item));
  if (!isTable) return rendered.join(`\n`);
  const header = renderHeader(tpl, headers);
  if (!tpl.includes(`\t`)) return [header, ...rendered].join(`\n`);
  return table(header.split(`\t`), rendered.map(r => r.split(`\t`)));
}

/** The template with each `{{.Field}}` as its column name (podman's, or the field upper-cased). */
function renderHeader(tpl: string, headers: Readonly<Record<string, string>>): string {
  return tpl.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const field = /^\.(\w+)$/.exec(expr)?.[1];
    return field === undefined ? `` : headers[field] ?? field.toUpperCase();
  });
}
