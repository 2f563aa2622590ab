// Cluster file: valid files parse with defaults; each kind of mistake is one clear line.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, nodeEntry, parseClusterFile, parseHostPort } from './cluster-file.ts'

const valid = `
clusterId: local
shardCount: 16
nodes:
  - { id: n1, address: "127.0.0.1:7101" }
  - { id: n2, address: "127.0.0.1:7102" }
  - { id: n3, address: "127.0.0.1:7103" }
`

function problemsOf(text: string): readonly string[] {
  try {
    parseClusterFile(text, 'cluster.yaml')
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('cluster file', () => {
  it('cluster file: valid: parses with defaults', () => {
    const file = parseClusterFile(valid, 'cluster.yaml')
    expect(file.replicationFactor).toBe(3)
    expect(file.gateway.address).toBe('127.0.0.1:8080')
    expect(file.nodes.map((node) => node.id)).toEqual(['n1', 'n2', 'n3'])
  })
  it('cluster file: unknown field: one line naming it', () => {
    const problems = problemsOf(valid + 'shards: 4\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/shards/)
  })
  it('cluster file: bad address: one line naming the node field', () => {
    const problems = problemsOf(valid.replace('127.0.0.1:7102', '127.0.0.1:99999'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/nodes\.1\.address: bad address/)
  })
  it('cluster file: too few nodes for the replication factor: says so', () => {
    const text = valid.replace(/  - \{ id: n3.*\n/, '')
    expect(problemsOf(text)[0]).toMatch(/replicationFactor 3 exceeds 2 nodes/)
  })
  it('cluster file: duplicate node: says so', () => {
    expect(problemsOf(valid.replace('id: n3', 'id: n2'))[0]).toMatch(/duplicate node n2/)
  })
  it('cluster file: leaderPreference: known nodes in order; unknown or repeated ids refused',
    () => {
    expect(parseClusterFile(valid + 'leaderPreference: [n2, n1]\n', 'c').leaderPreference)
      .toEqual(['n2', 'n1'])
    expect(parseClusterFile(valid, 'c').leaderPreference).toBeUndefined()
    expect(problemsOf(valid + 'leaderPreference: [n1, n9]\n'))
      .toEqual([expect.stringMatching(/leaderPreference names unknown node n9/)])
    expect(problemsOf(valid + 'leaderPreference: [n1, n1]\n'))
      .toEqual([expect.stringMatching(/leaderPreference lists n1 twice/)])
  })
  it('cluster file: gateway flightCycleMsMin: default 2, 0 allowed, negative refused', () => {
    expect(parseClusterFile(valid, 'c').gateway.flightCycleMsMin).toBe(2)
    const zero = valid + 'gateway: { flightCycleMsMin: 0 }\n'
    expect(parseClusterFile(zero, 'c').gateway).toMatchObject({
      flightCycleMsMin: 0,
      address: '127.0.0.1:8080',
    })
    expect(problemsOf(valid + 'gateway: { flightCycleMsMin: -1 }\n'))
      .toEqual([expect.stringMatching(/gateway\.flightCycleMsMin/)])
  })
  it('cluster file: no nodes section: one line naming it', () => {
    const problems = problemsOf(valid.replace(/nodes:[\s\S]*$/, ''))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^cluster\.yaml: nodes: /)
  })
  it('cluster file: a node id not in the file: one line with the known ids', () => {
    const file = parseClusterFile(valid, 'cluster.yaml')
    expect(nodeEntry(file, 'n2').address).toBe('127.0.0.1:7102')
    expect(() => nodeEntry(file, 'n9')).toThrow(
      new ConfigError(['node "n9" is not in the cluster file (known: n1, n2, n3)']),
    )
  })
  it('cluster file: examples/three-hosts.yaml: valid, three hosts', () => {
    const text = readFileSync(join(import.meta.dirname, 'examples', 'three-hosts.yaml'), 'utf8')
    const file = parseClusterFile(text, 'three-hosts.yaml')
    const hosts = file.nodes.map((node) => parseHostPort(node.address)?.host)
    expect(new Set(hosts).size).toBe(3)
  })
  it('cluster file: not yaml: one line', () => {
    expect(problemsOf('nodes: [unclosed')).toHaveLength(1)
  })
  it('cluster file: host:port: parses ipv4, names and ipv6', () => {
    expect(parseHostPort('127.0.0.1:80')).toEqual({ host: '127.0.0.1', port: 80 })
    expect(parseHostPort('[::1]:8080')).toEqual({ host: '::1', port: 8080 })
    expect(parseHostPort('localhost')).toBeNull()
    expect(parseHostPort('h:0')).toBeNull()
  })
})
