// RFC 4180 CSV as Bulk API 2.0 uses it: comma delimiter, LF line endings, every value quoted on output.

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c;
      i++;
      continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') i++;
    if (c === '\n' || c === '\r') { row.push(cell); rows.push(row); row = []; cell = ''; i++; continue; }
    cell += c;
    i++;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  const quote = (v: unknown): string => `"${v === null || v === undefined ? '' : String(v).replace(/"/g, '""')}"`;
  return [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
}
