// The npm `jsonata` side of `cargo xtask bench-jsonata`: times every case of
// crates/baton-jsonata/benches/expressions.json with the same method as Baton's side
// (crates/baton-jsonata/examples/bench_expressions.rs) and prints the figures as JSON.
//
// Usage: node bench_jsonata.js CASES.json WARMUP_MS SAMPLE_MS SAMPLES
// (with NODE_PATH pointing at the node_modules that holds jsonata).
//
// Each expression is compiled once, warmed up (which also lets V8 optimise it), then timed in
// SAMPLES samples of about SAMPLE_MS each, in batches sized during the warm-up to take about a
// millisecond. jsonata 2.x evaluates asynchronously, so each evaluation is awaited: that is the
// library as callers (and AWS) use it.
"use strict";
const fs = require("fs");
const jsonata = require("jsonata");

const BATCH_NS_MIN = 1_000_000n;

async function measure(evaluate, warmupMs, sampleMs, samples) {
  const runBatch = async (size) => {
    for (let i = 0; i < size; i++) await evaluate();
  };
  let batch = 1;
  const warmupEnd = process.hrtime.bigint() + BigInt(warmupMs) * 1_000_000n;
  while (process.hrtime.bigint() < warmupEnd) {
    const start = process.hrtime.bigint();
    await runBatch(batch);
    if (process.hrtime.bigint() - start < BATCH_NS_MIN) batch *= 2;
  }
  const figures = [];
  const sampleNs = BigInt(sampleMs) * 1_000_000n;
  for (let sample = 0; sample < samples; sample++) {
    const start = process.hrtime.bigint();
    let calls = 0;
    while (process.hrtime.bigint() - start < sampleNs || calls === 0) {
      await runBatch(batch);
      calls += batch;
    }
    figures.push(Number(process.hrtime.bigint() - start) / calls);
  }
  return figures;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle];
}

async function main() {
  const [casesPath, warmupMs, sampleMs, samples] = process.argv.slice(2);
  const file = JSON.parse(fs.readFileSync(casesPath, "utf8"));
  const bindings = { ...file.variables, states: { input: file.input, context: file.context } };
  const report = [];
  for (const testCase of file.cases) {
    let expression;
    let result;
    try {
      expression = jsonata(testCase.expression);
      result = await expression.evaluate(file.input, bindings);
    } catch (error) {
      throw new Error(`case ${testCase.name} fails: ${error.code || ""} ${error.message}`);
    }
    const evaluate = await measure(
      () => expression.evaluate(file.input, bindings),
      Number(warmupMs),
      Number(sampleMs),
      Number(samples),
    );
    const entry = {
      name: testCase.name,
      expression: testCase.expression,
      evaluate_ns: median(evaluate),
      evaluate_samples_ns: evaluate,
    };
    // JSON.stringify drops `undefined` (and the sequence flags jsonata puts on arrays), which
    // is how Baton's side reports results too.
    if (result !== undefined) entry.result = JSON.parse(JSON.stringify(result));
    report.push(entry);
  }
  console.log(JSON.stringify({ jsonata: require("jsonata/package.json").version, cases: report }));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
