/**
 * V8 flags every storage node process is started with (by `npm start`, `shoal storage`, the test
 * harness and the benches). A node allocates short-lived objects per message and per write
 * (frames, decoded messages, commands, keys), so its young generation is scavenged often, and
 * every scavenge pauses the node and with it every write in flight through it.
 *
 * 8 MiB: what survives a scavenge grows with the semi-space here, so the pause does too. Cluster
 * bench, puts at 64 in flight with the shard leaders gathered on one node (leaderPreference),
 * alternating runs of a copy of the bench's profile mode: on the leader node 8 MiB scavenged
 * ~24 times a second for ~3 ms each, 32 MiB ~6 times for ~8-9 ms, 64 MiB ~3 times for 14-16 ms;
 * put p99 24-31 ms at 8 MiB vs 25-32 ms at 32 MiB (lower in each of six pairs) and 35-36 ms at
 * 64 MiB, puts/s the same within noise. (With leaders spread over the nodes, session 4 had
 * chosen 32 MiB for ~5% more puts; 64 MiB then gave 25-55 ms pauses.)
 */
export const storageNodeExecArgv: readonly string[] = ['--max-semi-space-size=8']
