/**
 * A small, strict parser of the Prometheus text format (0.0.4) for tests: every line must be a
 * HELP, a TYPE or a sample of a family declared before it; label values must be well escaped;
 * histograms must have cumulative, non-decreasing buckets ending in le="+Inf" equal to _count.
 * It throws on the first violation with the line number, so a test that scrapes /metrics
 * proves the text parses, not merely that it contains some substring.
 */

export interface ParsedSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface ParsedFamily {
  readonly name: string
  readonly type: string
  readonly help: string
  readonly samples: ParsedSample[]
}

const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*/

function parseValue(text: string, at: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  if (!/^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(text)) throw new Error(`${at}: bad value`)
  return Number(text)
}

function parseLabels(text: string, at: string): [Record<string, string>, string] {
  const labels: Record<string, string> = {}
  let rest = text.slice(1)
  while (!rest.startsWith('}')) {
    const name = labelNamePattern.exec(rest)?.[0]
    if (name === undefined || !rest.startsWith(`${name}="`, 0)) throw new Error(`${at}: label`)
    rest = rest.slice(name.length + 2)
    let value = ''
    for (;;) {
      const char = rest[0]
      if (char === undefined || char === '\n') throw new Error(`${at}: unterminated label`)
      rest = rest.slice(1)
      if (char === '"') break
      if (char !== '\\') {
        value += char
        continue
      }
      const escaped = rest[0]
      rest = rest.slice(1)
      if (escaped === 'n') value += '\n'
      else if (escaped === '\\' || escaped === '"') value += escaped
      else throw new Error(`${at}: bad escape`)
    }
    if (name in labels) throw new Error(`${at}: duplicate label ${name}`)
    labels[name] = value
    if (rest.startsWith(',')) rest = rest.slice(1)
    else if (!rest.startsWith('}')) throw new Error(`${at}: expected , or }`)
  }
  return [labels, rest.slice(1)]
}

function familyOf(sampleName: string, families: Map<string, ParsedFamily>): ParsedFamily | null {
  const direct = families.get(sampleName)
  if (direct !== undefined) return direct
  const base = sampleName.replace(/_(bucket|sum|count)$/, '')
  const family = families.get(base)
  return family !== undefined && family.type === 'histogram' ? family : null
}

function checkHistogram(family: ParsedFamily): void {
  const groups = new Map<string, { buckets: ParsedSample[]; count: number | null }>()
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels
    const key = JSON.stringify(Object.entries(rest).sort())
    const group = groups.get(key) ?? { buckets: [], count: null }
    groups.set(key, group)
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`)
      group.buckets.push(sample)
    } else if (sample.name.endsWith('_count')) group.count = sample.value
  }
  for (const group of groups.values()) {
    const last = group.buckets[group.buckets.length - 1]
    if (last?.labels['le'] !== '+Inf') throw new Error(`${family.name}: no +Inf bucket`)
    for (let i = 1; i < group.buckets.length; i++) {
      if (group.buckets[i]!.value < group.buckets[i - 1]!.value) {
        throw new Error(`${family.name}: buckets not cumulative`)
      }
    }
    if (group.count !== last.value) throw new Error(`${family.name}: +Inf bucket != _count`)
  }
}

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>()
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text must end with a newline')
  const lines = text.split('\n').slice(0, -1)
  lines.forEach((line, i) => {
    const at = `line ${i + 1}`
    const meta = /^# (HELP|TYPE) ([^ ]+) (.*)$/.exec(line)
    if (meta !== null) {
      const kind = meta[1] ?? ''
      const name = meta[2] ?? ''
      const rest = meta[3] ?? ''
      if (namePattern.exec(name)?.[0] !== name) throw new Error(`${at}: bad name ${name}`)
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      families.set(name, family)
      if (kind === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(rest)) throw new Error(at)
        families.set(name, { ...family, type: rest })
      } else families.set(name, { ...family, help: rest })
      return
    }
    if (line.startsWith('#') || line === '') throw new Error(`${at}: unexpected line`)
    const name = namePattern.exec(line)?.[0]
    if (name === undefined) throw new Error(`${at}: no metric name`)
    let rest = line.slice(name.length)
    let labels: Record<string, string> = {}
    if (rest.startsWith('{')) [labels, rest] = parseLabels(rest, at)
    if (!rest.startsWith(' ')) throw new Error(`${at}: expected a space before the value`)
    const value = parseValue(rest.slice(1).split(' ')[0] ?? '', at)
    const family = familyOf(name, families)
    if (family === null) throw new Error(`${at}: sample ${name} before its TYPE`)
    family.samples.push({ name, labels, value })
  })
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family)
  }
  return families
}

/** The value of the one sample of `name` whose labels include `labels`, or throws. */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const family = familyOf(name, families)
  const matches = (family?.samples ?? []).filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )
  if (matches.length !== 1) throw new Error(`${name}: ${matches.length} samples match`)
  return matches[0]!.value
}

/** The sum of every sample of `name` whose labels include `labels` (0 when none). */
export function sampleSum(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const family = familyOf(name, families)
  return (family?.samples ?? [])
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0)
}
