// `gymlab bench server`'s usage, apart from its code: the CLI lists it without loading the benchmark.
export const BENCH_SERVER_USAGE = `gymlab bench server [--clients 1,10,50] [--seconds S] [--frame-hz 30] [--json]
  Starts a server (its own process, a temporary runs directory) with a LunarLander-v3 DQN run training flat out,
  connects N loopback viewers subscribed to its frames for S seconds (default 5) per N, and reports frames
  delivered per second (all viewers together and per viewer), the median and 95th-percentile frame latency
  (encode in the worker → decoded by the viewer) and the server's peak RSS.`;
