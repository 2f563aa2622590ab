/**
 * LeaderCache: which node the gateway believes leads each Raft group. Learned from NotLeader
 * hints and from successful leader-only answers; forgotten when that node fails. Pure: no I/O.
 *
 * Target order for a leader-only call: the cached leader first, then the group's other replicas
 * in placement order, so a stale or missing hint costs at most one extra hop per replica.
 */
export class LeaderCache {
  readonly #leaders = new Map<number, string>()
  readonly stats = { learned: 0, forgotten: 0 }

  leaderOf(group: number): string | undefined {
    return this.#leaders.get(group)
  }

  learn(group: number, nodeId: string): void {
    if (this.#leaders.get(group) === nodeId) return
    this.#leaders.set(group, nodeId)
    this.stats.learned++
  }

  /** Forgets `nodeId` as the leader of `group` (only if it is the cached one). */
  forget(group: number, nodeId: string): void {
    if (this.#leaders.get(group) !== nodeId) return
    this.#leaders.delete(group)
    this.stats.forgotten++
  }

  /** Replicas ordered for a leader-only call: the cached leader first. */
  targets(group: number, replicas: readonly string[]): string[] {
    const leader = this.#leaders.get(group)
    if (leader === undefined || !replicas.includes(leader)) return [...replicas]
    return [leader, ...replicas.filter((id) => id !== leader)]
  }
}
