// Runs schemathesis against the built Worker under `wrangler dev`, with its
// own local state and the admin key, and fails on any finding. Started by
// `./run`, which puts it in a network namespace holding only the loopback
// interface where the machine allows one.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newDeployment, startWorker } from '../e2e/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const schemathesis = join(here, '.venv/bin/schemathesis');
if (!existsSync(schemathesis)) {
  console.error(`${schemathesis} is missing: run scripts/setup`);
  process.exit(1);
}

// The operations that send deliveries or hold a stream open are never
// called: nothing generated may reach an address of its own choosing.
// Creating or changing a webhook delivers nothing by itself (its object
// sends only what a publish, a test or a replay gave it), and no message
// is published, so these four are all that could send.
const EXCLUDED = ['publish', 'testWebhook', 'replayWebhook', 'subscribe'];

// Quotas are state, not schema: set out of reach, so that a valid request
// is refused only for what the document describes.
const deployment = newDeployment({ WEBHOOKS_PER_CACHE: 1000000, WEBHOOKS_PER_TOPIC: 1000000 });
let worker;
let code = 1;
try {
  worker = await startWorker(deployment);
  const args = [
    '--config-file', join(here, 'schemathesis.toml'),
    'run', `${worker.url}/v1/openapi.json`,
    '--url', worker.url,
    '--checks', 'all',
    // Replaced by the same check in hooks.py that also takes the refusals
    // the document can only describe (a body's `id` against the path, the
    // stored webhook's scheme, auth and fields).
    '--exclude-checks', 'positive_data_acceptance',
    '--phases', 'examples,coverage,fuzzing,stateful',
    '--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '40',
    '--seed', process.env.SCHEMATHESIS_SEED ?? '20260401',
    '--workers', '1',
    '--generation-database', 'none',
    '--no-color',
    ...EXCLUDED.flatMap((id) => ['--exclude-operation-id', id]),
    ...process.argv.slice(2),
  ];
  const child = spawn(schemathesis, args, {
    cwd: here,
    stdio: 'inherit',
    env: {
      ...process.env,
      EDGEHOOKS_URL: worker.url,
      EDGEHOOKS_ADMIN_KEY: deployment.adminKey,
      SCHEMATHESIS_HOOKS: join(here, 'hooks.py'),
    },
  });
  [code] = await once(child, 'exit');
} finally {
  await worker?.stop();
  deployment.remove();
}
process.exit(code ?? 1);
