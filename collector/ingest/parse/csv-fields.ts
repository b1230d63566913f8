/**
 * Splits one CSV record (RFC 4180: quoted fields, "" escapes, newlines inside quotes) into its fields.
 * Returns undefined when a quote is left open, so a cut record is stored as plain text.
 */
export function splitCsv(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return undefined;
        if (text.charCodeAt(q + 1) === 0x22) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      out.push(value);
    } else {
      let comma = text.indexOf(',', i);
      if (comma < 0) comma = n;
      out.push(text.slice(i, comma));
      i = comma;
    }
    if (i >= n) return out;
    if (text.charCodeAt(i) !== 0x2c) return undefined;
    i++;
  }
}
