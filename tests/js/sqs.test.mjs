// SQS through the AWS SDK for JavaScript v3 (JSON protocol, awsQueryCompatible errors,
// MD5 checksums validated by the SDK's middleware).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import {
  SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand,
  SendMessageBatchCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand,
  DeleteQueueCommand, ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, TagQueueCommand,
  ListQueueTagsCommand, PurgeQueueCommand, StartMessageMoveTaskCommand, ListMessageMoveTasksCommand,
  QueueDoesNotExist,
} from "@aws-sdk/client-sqs";

let server, dataDir, sqs;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), "fanoutd-js-"));
  server = spawn(process.env.FANOUTD_BIN, ["--listen", `127.0.0.1:${port}`, "--data-dir", dataDir,
    "--log-level", "warn"], { stdio: "inherit" });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(endpoint + "/_fanout/health")).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  sqs = new SQSClient({ endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" } });
});

after(() => { server.kill("SIGTERM"); rmSync(dataDir, { recursive: true, force: true }); });

const name = (p) => `${p}-${Math.random().toString(16).slice(2, 12)}`;

test("queue lifecycle, attributes and tags", async () => {
  const q = name("js");
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: q, tags: { a: "1" } }));
  assert.match(QueueUrl, new RegExp(`/000000000000/${q}$`));
  assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: q }))).QueueUrl, QueueUrl);
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))).Attributes;
  assert.equal(attrs.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${q}`);
  await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { b: "2" } }));
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { a: "1", b: "2" });
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: q }));
  assert.deepEqual(listed.QueueUrls, [QueueUrl]);
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: q })), (e) => {
    assert.ok(e instanceof QueueDoesNotExist || e.name === "QueueDoesNotExist", e.name);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});

test("send and receive with attributes; SDK validates MD5s", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name("jsmsg") }));
  const body = "héllo \u{1F600}";
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: {
    s: { DataType: "String", StringValue: "v" },
    n: { DataType: "Number", StringValue: "1.5" },
    b: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 255]) },
  } }));
  assert.ok(sent.MD5OfMessageAttributes);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ["All"],
    MessageSystemAttributeNames: ["All"], MaxNumberOfMessages: 10 }));
  assert.equal(got.Messages.length, 1);
  const m = got.Messages[0];
  assert.equal(m.Body, body);
  assert.deepEqual([...m.MessageAttributes.b.BinaryValue], [0, 1, 255]);
  assert.equal(m.Attributes.ApproximateReceiveCount, "1");
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle,
    VisibilityTimeout: 30 }));
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
});

test("batch send and delete with a partial failure", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name("jsbatch") }));
  const r = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [
    { Id: "a", MessageBody: "1" }, { Id: "b", MessageBody: "bad\u0001" }, { Id: "c", MessageBody: "3" }] }));
  assert.deepEqual(r.Successful.map((e) => e.Id).sort(), ["a", "c"]);
  assert.equal(r.Failed[0].Id, "b");
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
  const d = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: got.Messages.map((m, i) => ({
    Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
  assert.equal(d.Successful.length, 2);
});

test("long poll woken by a send", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name("jspoll") }));
  const started = Date.now();
  setTimeout(() => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "wake" })), 400);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
  assert.equal(got.Messages[0].Body, "wake");
  assert.ok(Date.now() - started < 3000);
});

test("purge and move task errors are AWS's", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name("jspurge") }));
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  await assert.rejects(sqs.send(new PurgeQueueCommand({ QueueUrl })), (e) => {
    assert.equal(e.name, "PurgeQueueInProgress");
    return true;
  });
  const arn = `arn:aws:sqs:us-east-1:000000000000:${QueueUrl.split("/").pop()}`;
  await assert.rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn })));
  const tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn })).catch((e) => e);
  assert.ok(tasks.Results !== undefined || tasks.name);
});
