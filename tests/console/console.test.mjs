// fanoutd's web console in a real browser: Debian's chromium (headless), driven by
// playwright-core, against a real fanoutd that deployed the reference stack (infra/infra.yaml).
// Traffic comes from boto3 (a publisher process) and the AWS CLI; the browser only looks.
// Screenshots of the main pages go to $CONSOLE_ARTIFACTS (the build dir under ctest).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

const BIN = process.env.FANOUTD_BIN || 'fanoutd';
const SOURCE = process.env.FANOUT_SOURCE_DIR || path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = process.env.CONSOLE_ARTIFACTS || path.join(os.tmpdir(), 'fanout-console-artifacts');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
fs.mkdirSync(ARTIFACTS, { recursive: true });

const ACCOUNT_A = ['AKIDBROWSERA', 'secret-a', '111111111111'];
const ACCOUNT_B = ['AKIDBROWSERB', 'secret-b', '222222222222'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
    server.on('error', reject);
  });
}

async function startFanoutd(args) {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanoutd-console-'));
  const logPath = path.join(ARTIFACTS, `fanoutd-${port}.log`);
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(BIN, ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--durability', 'memory',
    '--log-level', 'warn', ...args], { stdio: ['ignore', log, log] });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`fanoutd exited: ${fs.readFileSync(logPath, 'utf8')}`);
    try { if ((await fetch(endpoint + '/_fanout/health')).ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('fanoutd did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint, proc,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      fs.rmSync(dataDir, { recursive: true, force: true });
      // A clean stop exits 0; a sanitizer report (ASan build) makes it fail.
      assert.equal(proc.exitCode, 0, `fanoutd exited with ${proc.exitCode}; see ${logPath}`);
    },
  };
}

function aws(endpoint, [key, secret], ...args) {
  return execFileSync('/usr/bin/aws', ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: secret, AWS_PAGER: '', AWS_EC2_METADATA_DISABLED: 'true' },
    encoding: 'utf8',
  });
}

// A boto3 publisher: one new-consumer event to the reference topic every 100 ms until stopped.
function startPublisher(endpoint, topicArn) {
  const script = `
import boto3, json, sys, time, uuid
sns = boto3.client("sns", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
i = 0
while True:
    sns.publish(TopicArn=sys.argv[2], Message=json.dumps({"consumerId": str(uuid.uuid4()), "n": i, "source": "console-test"}))
    i += 1
    time.sleep(0.1)
`;
  return spawn('python3', ['-c', script, endpoint, topicArn], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: false });

async function cellNumber(page, queue, column) {
  const text = await page.locator(`tr[data-queue="${queue}"] td`).nth(column).textContent();
  return Number(text);
}

describe('reference pipeline in the console (open mode)', () => {
  let server, browser, page, publisher;
  before(async () => {
    server = await startFanoutd(['--deploy', path.join(SOURCE, 'infra/infra.yaml'), '--stack-name', 'fanout',
      '--deploy-parameter', 'BufferIntervalSeconds=1']);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    page.on('dialog', (d) => d.accept());
    publisher = startPublisher(server.endpoint, 'arn:aws:sns:us-east-1:000000000000:created-consumer');
  });
  after(async () => {
    publisher?.kill();
    await browser?.close();
    await server?.stop();
  });

  test('the bare endpoint opens the console and the overview draws the live pipeline', async () => {
    await page.goto(server.endpoint + '/');
    assert.equal(new URL(page.url()).pathname, '/_fanout/console/');
    const graph = page.locator('svg[data-test="graph"]');
    await graph.locator('text', { hasText: 'created-consumer' }).first().waitFor();
    for (const name of ['api-orders-created-consumer', 'api-payment-created-payment']) {
      await graph.locator(`g[data-node="q:${name}"]`).waitFor();
    }
    await graph.locator('g.node.stream').first().waitFor();
    await graph.locator('g.node.bucket').first().waitFor();
    // Edges carry live rates while the publisher runs.
    await page.locator('path.edge.live').first().waitFor({ state: 'attached', timeout: 15_000 });
    await shot(page, 'console-overview.png');
  });

  test('the queues page shows the reference queues with counts that move', async () => {
    await page.goto(server.endpoint + '/_fanout/console/#/queues');
    const orders = 'api-orders-created-consumer';
    await page.locator(`tr[data-queue="${orders}"]`).waitFor();
    await page.locator(`tr[data-queue="api-payment-created-payment"]`).waitFor();
    await page.locator(`tr[data-queue="api-payment-created-payment-dlq"]`).waitFor();
    const first = await cellNumber(page, orders, 1);
    await page.waitForFunction(([q, n]) => Number(document.querySelector(`tr[data-queue="${q}"] td:nth-child(2)`)?.textContent) > n,
      [orders, first], { timeout: 15_000 });
    await shot(page, 'console-queues.png');
  });

  test('a queue page peeks without consuming, then purges', async () => {
    const orders = 'api-orders-created-consumer';
    await page.goto(server.endpoint + `/_fanout/console/#/queue/${orders}`);
    await page.locator('tr[data-test="counts"]').waitFor();
    await page.click('#peek-button');
    const body = page.locator('table[data-test="peek"] pre.body').first();
    await body.waitFor();
    assert.match(await body.textContent(), /"source": "console-test"/);
    const receives = await page.locator('table[data-test="peek"] tbody tr td:nth-child(3)').allTextContents();
    assert.ok(receives.length > 0 && receives.every((r) => r === '0'), `receive counts ${receives}`);
    await shot(page, 'console-queue.png');
    publisher.kill();
    publisher = null;
    await new Promise((r) => setTimeout(r, 500));
    await page.click('#purge');
    await page.locator('#queue-action', { hasText: 'Purge requested' }).waitFor();
    await page.waitForFunction(() => document.querySelector('tr[data-test="counts"] td')?.textContent === '0', null, { timeout: 15_000 });
    const attrs = JSON.parse(aws(server.endpoint, ['test', 'test'], 'sqs', 'get-queue-attributes', '--queue-url',
      `${server.endpoint}/000000000000/${orders}`, '--attribute-names', 'ApproximateNumberOfMessages'));
    assert.equal(attrs.Attributes.ApproximateNumberOfMessages, '0');
  });

  test('the bucket browser reaches a landing_date object and shows its content', async () => {
    await page.goto(server.endpoint + '/_fanout/console/#/buckets');
    await page.locator('table[data-test="buckets"] a').first().click();
    const partition = page.locator('tr[data-prefix^="landing_date="] a');
    await partition.first().waitFor({ timeout: 20_000 });
    await partition.first().click();
    const object = page.locator('table[data-test="objects"] tr[data-key] a').first();
    await object.waitFor();
    await object.click();
    const content = page.locator('#object-content');
    await page.waitForFunction(() => (document.querySelector('#object-content')?.textContent || '').includes('console-test'), null, { timeout: 15_000 });
    assert.match(await content.textContent(), /"consumerId"/);
    await shot(page, 'console-object.png');
  });

  test('topics, streams and stacks pages show the deployed resources', async () => {
    await page.goto(server.endpoint + '/_fanout/console/#/topics');
    const topic = page.locator('section[data-topic="created-consumer"]');
    await topic.waitFor();
    assert.equal(await topic.locator('tbody tr').count(), 3);
    await shot(page, 'console-topics.png');
    await page.goto(server.endpoint + '/_fanout/console/#/streams');
    await page.locator('section[data-stream] .badge', { hasText: 'ACTIVE' }).first().waitFor();
    await shot(page, 'console-streams.png');
    await page.goto(server.endpoint + '/_fanout/console/#/stacks');
    await page.locator('section[data-stack="fanout"] .badge', { hasText: 'CREATE_COMPLETE' }).waitFor();
    await shot(page, 'console-stacks.png');
  });
});

describe('configured mode: sign-in and account isolation', () => {
  let server, browser, page;
  before(async () => {
    server = await startFanoutd(['--credential', ACCOUNT_A.join(':'), '--credential', ACCOUNT_B.join(':')]);
    aws(server.endpoint, ACCOUNT_A, 'sqs', 'create-queue', '--queue-name', 'only-in-a');
    aws(server.endpoint, ACCOUNT_B, 'sqs', 'create-queue', '--queue-name', 'only-in-b');
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signIn(key, secret) {
    await page.locator('#login-form').waitFor();
    await page.fill('#login-key', key);
    await page.fill('#login-secret', secret);
    await page.click('#login-submit');
  }

  test('a wrong secret shows an error', async () => {
    await page.goto(server.endpoint + '/_fanout/console/#/queues');
    await signIn(ACCOUNT_A[0], 'not-the-secret');
    await page.locator('#login-error', { hasText: 'SignatureDoesNotMatch' }).waitFor();
    await shot(page, 'console-login-error.png');
  });

  test('account B never sees account A\'s queue', async () => {
    await page.fill('#login-secret', ACCOUNT_A[1]);
    await page.click('#login-submit');
    await page.locator('tr[data-queue="only-in-a"]').waitFor();
    assert.equal(await page.locator('tr[data-queue="only-in-b"]').count(), 0);
    assert.match(await page.locator('#who').textContent(), /111111111111/);

    await page.click('#logout');
    await signIn(ACCOUNT_B[0], ACCOUNT_B[1]);
    await page.locator('tr[data-queue="only-in-b"]').waitFor();
    assert.equal(await page.locator('tr[data-queue="only-in-a"]').count(), 0);
    await page.goto(server.endpoint + '/_fanout/console/#/overview');
    await page.locator('svg[data-test="graph"]').waitFor();
    assert.ok(!(await page.content()).includes('only-in-a'));
    // Addressing A's queue directly gets SQS's answer for a queue B does not have.
    await page.goto(server.endpoint + '/_fanout/console/#/queue/only-in-a');
    await page.locator('#status', { hasText: 'QueueDoesNotExist' }).waitFor();
    assert.ok(!(await page.locator('main').textContent()).includes('111111111111'));
  });
});
