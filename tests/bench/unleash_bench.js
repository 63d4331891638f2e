'use strict';
// unleash_bench.js - the Unleash Node SDK's own flexibleRollout decision,
// timed offline (no server): FlexibleRolloutStrategy.isEnabled(parameters,
// context) from the real `unleash-client` package that
// scripts/fetch-corpora.sh installs into .corpora/.
//
//   node unleash_bench.js CORPORA_DIR N RUNS BITSET_OUT
//
// Contexts {userId: "user-<i>"} for i in 0..N-1 are built first, then one
// untimed warm-up pass over the first 100,000 (the JIT's), then RUNS timed
// passes (process.hrtime.bigint) that store each decision in a Uint8Array.
// The decisions are written to BITSET_OUT, bit i (LSB first) = user-<i> is in
// the rollout; a JSON summary goes to stdout. bench_route_unleash.c runs this
// and compares the decisions with Convoy's, exactly.
//
// Exit status: 0, or 2 when the package is missing or the arguments are wrong.

const fs = require('fs');
const path = require('path');

const [corpora, nArg, runsArg, bitsetOut] = process.argv.slice(2);
const n = Number(nArg);
const runs = Number(runsArg);
if (!corpora || !bitsetOut || !Number.isInteger(n) || n < 1 || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node unleash_bench.js CORPORA_DIR N RUNS BITSET_OUT');
  process.exit(2);
}
const sdkDir = path.resolve(corpora, 'node_modules', 'unleash-client');
const strategyPath = path.join(sdkDir, 'lib', 'strategy', 'flexible-rollout-strategy.js');
if (!fs.existsSync(strategyPath)) {
  console.error(`unleash_bench.js: ${strategyPath} not found: run scripts/fetch-corpora.sh`);
  process.exit(2);
}
const FlexibleRolloutStrategy = require(strategyPath).default;
const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkDir, 'package.json'), 'utf8')).version;

// The same rollout the C side checks: 25 % of group "checkout-flow", sticky
// on userId.
const parameters = { rollout: '25', stickiness: 'userId', groupId: 'checkout-flow' };
const strategy = new FlexibleRolloutStrategy();

const contexts = new Array(n);
for (let i = 0; i < n; i++) contexts[i] = { userId: `user-${i}` };
const decisions = new Uint8Array(n);

const warm = Math.min(n, 100000);
for (let i = 0; i < warm; i++) decisions[i] = strategy.isEnabled(parameters, contexts[i]) ? 1 : 0;

const runsNs = [];
for (let r = 0; r < runs; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) decisions[i] = strategy.isEnabled(parameters, contexts[i]) ? 1 : 0;
  runsNs.push(Number(process.hrtime.bigint() - t0));
}

const bits = Buffer.alloc((n + 7) >> 3);
let enabled = 0;
for (let i = 0; i < n; i++) {
  if (decisions[i]) {
    bits[i >> 3] |= 1 << (i & 7);
    enabled++;
  }
}
fs.writeFileSync(bitsetOut, bits);
process.stdout.write(JSON.stringify({
  sdk: 'unleash-client',
  version: sdkVersion,
  node: process.version,
  strategy: 'FlexibleRolloutStrategy',
  parameters,
  n,
  enabled,
  best_ns: Math.min(...runsNs),
  runs_ns: runsNs,
}) + '\n');
