/**
 * Checker: the Raft safety properties, checked incrementally at the moment the relevant state
 * changes (which is after every simulator step that could break them):
 *
 * 1. election safety: at most one leader per term;
 * 2. log matching: two persisted entries with the same (index, term) have the same data and the
 *    same predecessor term (so, by induction, identical prefixes);
 * 3. committed entries never change: once any node commits index i with term t, every other
 *    node that commits i commits term t (this catches Figure 8 and lost acknowledged writes);
 * 4. leader completeness: a new leader's log holds every entry committed so far;
 * 5. state-machine safety: every node's state hash after applying index i is the same;
 * 6. read safety: a ReadIndex or lease read returns an index at or above every write that was
 *    acknowledged (applied anywhere) before the read began.
 */
import type { Entry, Index, NodeId, Term } from '../../../storage/raft/messages.ts'

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation'
}

export function entryHash(entry: Entry): number {
  let h = 0x811c9dc5 ^ (entry.type === 'normal' ? 1 : 2)
  const data = entry.data
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193)
  return h >>> 0
}

export function chainHash(prev: number, term: Term, hash: number): number {
  let h = Math.imul(prev ^ term, 0x01000193)
  h = Math.imul(h ^ hash, 0x85ebca6b)
  return (h ^ (h >>> 13)) >>> 0
}

interface LogFact {
  readonly prevTerm: number
  readonly hash: number
}

export class Checker {
  readonly leaders = new Map<Term, NodeId>()
  readonly #logFacts = new Map<string, LogFact>()
  /** committedTerm[i]: the term of the entry committed at index i. */
  readonly committedTerms: number[] = []
  maxCommitted = 0
  /** stateHash[i]: the state hash after applying index i. */
  readonly #stateHash: number[] = []
  /** Highest log index of a write acknowledged so far. */
  maxAcked = 0
  checks = 0

  fail(what: string): never {
    throw new SafetyViolation(what)
  }

  leaderElected(term: Term, id: NodeId): boolean {
    this.checks++
    const existing = this.leaders.get(term)
    if (existing === undefined) {
      this.leaders.set(term, id)
      return true
    }
    if (existing !== id) this.fail(`election safety: term ${term} has leaders ${existing}, ${id}`)
    return false
  }

  persisted(entry: Entry, prevTerm: number | undefined): void {
    this.checks++
    const key = `${entry.index}:${entry.term}`
    const fact = { prevTerm: prevTerm ?? -1, hash: entryHash(entry) }
    const known = this.#logFacts.get(key)
    if (known === undefined) {
      this.#logFacts.set(key, fact)
      return
    }
    if (known.hash !== fact.hash) this.fail(`log matching: (${key}) holds different data`)
    if (known.prevTerm >= 0 && fact.prevTerm >= 0 && known.prevTerm !== fact.prevTerm) {
      this.fail(`log matching: (${key}) follows terms ${known.prevTerm} and ${fact.prevTerm}`)
    }
  }

  committed(node: NodeId, index: Index, term: Term): void {
    this.checks++
    const known = this.committedTerms[index]
    if (known === undefined) {
      this.committedTerms[index] = term
      if (index > this.maxCommitted) this.maxCommitted = index
    } else if (known !== term) {
      this.fail(`committed entry changed: node ${node} index ${index} term ${term} vs ${known}`)
    }
  }

  /** `termAt` returns undefined for compacted indexes (covered by the leader's snapshot). */
  leaderComplete(node: NodeId, firstIndex: Index, termAt: (i: Index) => Term | undefined): void {
    for (let i = Math.max(1, firstIndex); i <= this.maxCommitted; i++) {
      this.checks++
      const want = this.committedTerms[i]
      if (want === undefined) continue
      const have = termAt(i)
      if (have !== want) {
        this.fail(`leader completeness: leader ${node} has term ${have} at ${i}, committed ${want}`)
      }
    }
  }

  applied(node: NodeId, index: Index, stateHash: number): void {
    this.checks++
    const known = this.#stateHash[index]
    if (known === undefined) this.#stateHash[index] = stateHash
    else if (known !== stateHash) {
      this.fail(`state machine safety: node ${node} diverges at applied index ${index}`)
    }
  }

  acknowledged(index: Index): void {
    if (index > this.maxAcked) this.maxAcked = index
  }

  readServed(node: NodeId, readId: number, readIndex: Index, ackedAtStart: Index): void {
    this.checks++
    if (readIndex < ackedAtStart) {
      this.fail(
        `stale read: node ${node} read ${readId} at index ${readIndex} but index ` +
          `${ackedAtStart} was acknowledged before it began`,
      )
    }
  }
}
