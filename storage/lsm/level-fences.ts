/**
 * LevelFences: the file of a sorted level (L1 and below) whose user-key range holds a key. The
 * files' largest user keys share the level's common prefix; past it, 4 bytes of each make a
 * search word (decoded-block.ts `wordAt`), so the binary search compares numbers, and full keys
 * only among equal words and against the chosen file's smallest key. Built once per version.
 */
import { compareToUserKey, TRAILER_BYTES } from './internal-key.ts'
import type { FileMeta } from './manifest/version.ts'
import { wordAt } from './sstable/decoded-block.ts'

function userKeyBytes(ikey: Uint8Array): number {
  return Math.max(0, ikey.length - TRAILER_BYTES)
}

export class LevelFences {
  readonly files: readonly FileMeta[]
  /** The largest timestamp and version of any entry in the level (a found answer may skip it). */
  readonly maxTimestamp: number
  readonly maxVersion: number
  /** User-key bytes every file of the level starts with (the first file's smallest holds them). */
  readonly #prefixBytes: number
  readonly #words: Uint32Array

  constructor(files: readonly FileMeta[]) {
    this.files = files
    this.maxTimestamp = Math.max(0, ...files.map((f) => f.maxTimestamp))
    this.maxVersion = Math.max(0, ...files.map((f) => f.maxVersion))
    const first = files[0]?.smallest ?? new Uint8Array(0)
    const last = files.at(-1)?.largest ?? new Uint8Array(0)
    const n = Math.min(userKeyBytes(first), userKeyBytes(last))
    let p = 0
    while (p < n && first[p] === last[p]) p++
    this.#prefixBytes = p
    this.#words = Uint32Array.from(files, (f) => wordAt(f.largest, 0, userKeyBytes(f.largest), p))
  }

  /** The file whose range holds `userKey`, or undefined. */
  find(userKey: Uint8Array): FileMeta | undefined {
    const files = this.files
    const n = files.length
    if (n === 0) return undefined
    const first = files[0]!.smallest
    for (let j = 0; j < this.#prefixBytes; j++) {
      if (j === userKey.length || first[j] !== userKey[j]) return undefined
    }
    const words = this.#words
    const word = wordAt(userKey, 0, userKey.length, this.#prefixBytes)
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (words[mid]! < word) lo = mid + 1
      else hi = mid
    }
    while (lo < n && words[lo] === word && compareToUserKey(files[lo]!.largest, userKey) < 0) lo++
    const file = files[lo]
    return file !== undefined && compareToUserKey(file.smallest, userKey) <= 0 ? file : undefined
  }
}
