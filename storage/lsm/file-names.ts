/** File names inside a db directory; numbers come from one counter and are never reused. */

export type FileKind = 'table' | 'wal' | 'vlog' | 'manifest' | 'current' | 'temp'

function pad(n: number): string {
  return String(n).padStart(6, '0')
}

export const tableName = (n: number): string => `${pad(n)}.sst`
export const walName = (n: number): string => `${pad(n)}.log`
export const vlogName = (n: number): string => `${pad(n)}.vlog`
export const manifestName = (n: number): string => `MANIFEST-${pad(n)}`
export const CURRENT = 'CURRENT'
export const CURRENT_TEMP = 'CURRENT.tmp'

export function parseFileName(name: string): { kind: FileKind; fileNo: number } | undefined {
  if (name === CURRENT) return { kind: 'current', fileNo: 0 }
  if (name.endsWith('.tmp')) return { kind: 'temp', fileNo: 0 }
  let match = /^(\d+)\.(sst|log|vlog)$/.exec(name)
  if (match !== null) {
    const kinds: Record<string, FileKind> = { sst: 'table', log: 'wal', vlog: 'vlog' }
    return { kind: kinds[match[2]!]!, fileNo: Number(match[1]) }
  }
  match = /^MANIFEST-(\d+)$/.exec(name)
  if (match !== null) return { kind: 'manifest', fileNo: Number(match[1]) }
  return undefined
}
