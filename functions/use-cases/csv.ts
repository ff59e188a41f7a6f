/** CSV as RFC 4180 has it: CRLF line ends, a field quoted when it holds a quote, comma or line break. */
export function csvTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows]
    .map((r) => r.map(csvField).join(","))
    .join("\r\n")
    .concat("\r\n");
}

export const csvField = (value: string): string =>
  /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
