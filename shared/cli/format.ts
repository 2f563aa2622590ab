/**
 * Output for the `shoal` CLI: values as text when they are printable UTF-8 (else base64, said
 * so), aligned tables for people, and one JSON document for scripts (`--json`).
 */

const decoder = new TextDecoder('utf-8', { fatal: true })

/** The value as text if it is printable UTF-8, else base64 with a marker. */
export function renderValue(value: Uint8Array): { text: string; encoding: 'utf8' | 'base64' } {
  try {
    const text = decoder.decode(value)
    // Control characters other than tab and newlines make text unreadable on a terminal.
    if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text))
      return { text, encoding: 'utf8' }
  } catch {
    // Not UTF-8: fall through to base64.
  }
  return { text: Buffer.from(value).toString('base64'), encoding: 'base64' }
}

export function valueLine(value: Uint8Array): string {
  const rendered = renderValue(value)
  return rendered.encoding === 'utf8' ? rendered.text : `(base64) ${rendered.text}`
}

/** Left-aligned columns with a header row; every cell rendered with String(). */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))),
  )
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length)),
  )
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(headers), ...cells.map(line)].join('\n')
}

export function isoTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString()
}
