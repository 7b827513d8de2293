'use strict';
/**
 * One Lambda cold start in THIS (fresh) process, as the Node.js runtime does
 * it: require the bundled handler file, then invoke the exported handler once
 * with an EventBridge event and a Lambda-like context.
 *
 *   node bench/lambda-cold.cjs BUNDLE_FILE EXPORT_NAME EVENT_FILE RESULT_FILE
 *
 * The environment (set by bench/lambda.mts) points every AWS SDK call at
 * local stand-ins on 127.0.0.1. Writes
 * { loadMs, invokeMs, result | error } as JSON to RESULT_FILE (stdout carries
 * the handler's own JSON logs).
 */
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

if (process.env.SGWATCH_BENCH_LOCAL_ONLY) {
  // Nothing may leave 127.0.0.1: any host-name look-up (the only way to reach AWS) fails loudly.
  const dns = require('node:dns');
  const refuse = (host, ...rest) => {
    const cb = rest[rest.length - 1];
    const err = Object.assign(new Error(`bench: network access to ${host} refused (local stand-ins only)`), { code: 'EBENCHLOCAL' });
    if (typeof cb === 'function') process.nextTick(cb, err);
    else return Promise.reject(err);
  };
  dns.lookup = refuse;
  dns.promises.lookup = refuse;
}

const [bundleFile, exportName, eventFile, resultFile] = process.argv.slice(2);
const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: `bench-${process.pid}`,
  logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done() {},
  fail() {},
  succeed() {},
};

async function main() {
  const t0 = performance.now();
  const mod = require(bundleFile);
  const t1 = performance.now();
  const handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`${bundleFile} exports no function ${exportName}`);
  let result;
  let error;
  try {
    result = await handler(event, context);
  } catch (err) {
    error = err && err.message ? err.message : String(err);
  }
  const t2 = performance.now();
  fs.writeFileSync(resultFile, JSON.stringify({ loadMs: t1 - t0, invokeMs: t2 - t1, result, error }));
  // Lambda freezes the sandbox after the response; do not wait for keep-alive sockets.
  process.exit(0);
}

main().catch((err) => {
  fs.writeFileSync(resultFile, JSON.stringify({ error: err && err.stack ? err.stack : String(err) }));
  process.exit(1);
});
