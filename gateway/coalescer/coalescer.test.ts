// Goal: the coalescer's decisions follow the join rule of ARCHITECTURE.md step by step.
// Method: datadriven transcripts in testdata/*.txt (etcd-raft style): each block is one
// command (`new`, `read`, `reply`, `leave`, `stats`) and the decision or settlement it must
// print. Time is an argument (`at=<ms>`). `npx vitest run gateway/coalescer --mode rewrite`
// rewrites the expectations; commit a rewrite only if you can explain the diff.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  Coalescer,
  defaultCoalescerOptions,
  type Consistency,
  type FlightId,
  type WaiterId,
} from './coalescer.ts'

interface Block {
  comments: string[]
  command: string
  expected: string
}

function parseBlocks(text: string): Block[] {
  const blocks: Block[] = []
  const chunks = text.split(/\n\s*\n/).map((chunk) => chunk.trim())
  for (const chunk of chunks) {
    const all = chunk.split('\n')
    const comments = all.filter((line) => line.startsWith('#'))
    const lines = all.filter((line) => !line.startsWith('#'))
    if (lines.length === 0) continue
    const separator = lines.indexOf('----')
    expect(separator, `block without ---- in: ${chunk}`).toBeGreaterThan(0)
    blocks.push({
      comments,
      command: lines.slice(0, separator).join('\n'),
      expected: lines.slice(separator + 1).join('\n'),
    })
  }
  return blocks
}

function argsOf(words: string[]): Map<string, string> {
  const args = new Map<string, string>()
  for (const word of words) {
    const [name, value] = word.split('=')
    args.set(name!, value ?? 'true')
  }
  return args
}

class Transcript {
  coalescer = new Coalescer(defaultCoalescerOptions)
  /** The flight each waiter's decision named (`leave` takes it). */
  readonly flightOf = new Map<WaiterId, FlightId>()

  run(command: string): string {
    const [verb = '', ...words] = command.split(/\s+/)
    const args = argsOf(words)
    const nowMs = Number(args.get('at') ?? '0')
    switch (verb) {
      case 'new':
        this.flightOf.clear()
        this.coalescer = new Coalescer({
          ...defaultCoalescerOptions,
          waitersPerKeyMax: Number(args.get('waitersPerKeyMax') ?? 10),
          keysMax: Number(args.get('keysMax') ?? 10),
          joinAnyInFlight: args.has('joinAnyInFlight'),
        })
        return 'ok'
      case 'read':
        return this.read(words[0]!, words[1] as Consistency, nowMs)
      case 'reply':
        return this.reply(Number(words[0]) as FlightId, words[1] === 'ok', nowMs)
      case 'leave':
        return this.leave(Number(words[0]) as WaiterId, nowMs)
      case 'stats':
        return Object.entries(this.coalescer.stats)
          .map(([name, value]) => `${name}=${value}`)
          .join(' ')
          .replace(/(backendReads=\d+ )/, '$1\n')
          .replace(/(left=\d+ )/, '$1\n')
      default:
        throw new Error(`unknown command ${verb}`)
    }
  }

  read(key: string, consistency: Consistency, nowMs: number): string {
    const decision = this.coalescer.onRead(key, { consistency, nowMs })
    if (decision.kind === 'shed') return `shed retry-after=${decision.retryAfterMs}ms`
    this.flightOf.set(decision.waiter, decision.flight)
    return `${decision.kind} flight=${decision.flight} waiter=${decision.waiter} ${decision.role}`
  }

  reply(flight: FlightId, ok: boolean, nowMs: number): string {
    const settlement = this.coalescer.onReply(flight, { ok, nowMs })
    if (settlement.waiters.length === 0) return `stale flight=${flight}`
    const next = settlement.next ?? '-'
    return `settle flight=${flight} waiters=[${settlement.waiters.join(' ')}] next=${next}`
  }

  leave(waiter: WaiterId, nowMs: number): string {
    const flight = this.flightOf.get(waiter) ?? (0 as FlightId) // unknown: no flight has id 0
    const left = this.coalescer.leave(flight, waiter, { nowMs })
    const show = (id: FlightId | null): string => (id === null ? '-' : String(id))
    return (
      `left waiter=${waiter} cancel=${show(left.cancel)} send=${show(left.send)} ` +
      `dropped=${show(left.dropped)}`
    )
  }
}

const testdata = join(import.meta.dirname, 'testdata')
/** Vitest's `--mode rewrite` shows up as import.meta.env.MODE (tests read no env). */
const meta: { url: string; env?: Record<string, unknown> } = import.meta
const rewrite = meta.env?.['MODE'] === 'rewrite'

describe('coalescer transcripts', () => {
  for (const file of readdirSync(testdata).filter((name) => name.endsWith('.txt'))) {
    it(`coalescer: ${file}: matches the transcript`, () => {
      const path = join(testdata, file)
      const blocks = parseBlocks(readFileSync(path, 'utf8'))
      const transcript = new Transcript()
      const actual = blocks.map((block) => ({ ...block, actual: transcript.run(block.command) }))
      if (rewrite) {
        const text = actual
          .map((b) => [...b.comments, b.command, '----', b.actual, ''].join('\n'))
          .join('\n')
        writeFileSync(path, text)
        return
      }
      for (const block of actual)
        expect(`${block.command}\n${block.actual}`).toBe(`${block.command}\n${block.expected}`)
    })
  }
})
