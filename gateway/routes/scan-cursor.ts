/**
 * The scan cursor: opaque to clients, base64url without padding over this layout:
 *
 *   | version u8 = 1 | flags u8 (bit 0: reverse) | resumeAfter: the last sort key returned |
 *
 * The next page starts strictly after `resumeAfter` in the scan's direction. A cursor used with
 * the other direction, an unknown version or bad base64url is a 400.
 */
import { ShoalError } from '../../shared/errors.ts'

const cursorVersion = 1
const reverseFlag = 1

export interface ScanCursor {
  readonly reverse: boolean
  readonly after: Uint8Array
}

export function encodeScanCursor(cursor: ScanCursor): string {
  const bytes = new Uint8Array(2 + cursor.after.byteLength)
  bytes[0] = cursorVersion
  bytes[1] = cursor.reverse ? reverseFlag : 0
  bytes.set(cursor.after, 2)
  return Buffer.from(bytes).toString('base64url')
}

export function decodeScanCursor(text: string): ScanCursor {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new ShoalError('bad-request', 'the cursor is not one this gateway issued')
  }
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'))
  if (bytes.byteLength < 2 || bytes[0] !== cursorVersion || (bytes[1]! & ~reverseFlag) !== 0) {
    throw new ShoalError('bad-request', 'the cursor is not one this gateway issued')
  }
  return { reverse: (bytes[1]! & reverseFlag) !== 0, after: bytes.slice(2) }
}
