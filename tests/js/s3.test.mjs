// S3 through the AWS SDK for JavaScript v3 with its defaults: CRC32 checksums on uploads,
// aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies for streams, multipart via lib-storage.
// fanoutd runs with a credential, so every signature is verified.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { Readable } from "node:stream";
import { createHash, randomBytes } from "node:crypto";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectCommand, DeleteObjectsCommand, CopyObjectCommand, NoSuchKey,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const ACCOUNT = "123412341234";
let server, dataDir, s3, bad;
const bucket = "js-sdk-bucket";

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), "fanoutd-js-s3-"));
  server = spawn(process.env.FANOUTD_BIN, ["--listen", `127.0.0.1:${port}`, "--data-dir", dataDir,
    "--log-level", "warn", "--credential", `AKIDJS000000000000001:js-secret:${ACCOUNT}`], { stdio: "inherit" });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(endpoint + "/_fanout/health")).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  const options = { endpoint, region: "us-east-1", maxAttempts: 1, forcePathStyle: true };
  s3 = new S3Client({ ...options, credentials: { accessKeyId: "AKIDJS000000000000001", secretAccessKey: "js-secret" } });
  bad = new S3Client({ ...options, credentials: { accessKeyId: "AKIDJS000000000000001", secretAccessKey: "wrong" } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(() => {
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const md5 = (b) => createHash("md5").update(b).digest("hex");

test("PutObject with the default CRC32 checksum, GetObject with checksum mode", async () => {
  const body = Buffer.from("hello from the js sdk\n".repeat(50));
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/hello.txt", Body: body,
    ContentType: "text/plain", Metadata: { owner: "js" } }));
  assert.equal(put.ETag, `"${md5(body)}"`);
  assert.ok(put.ChecksumCRC32, "the SDK sent a CRC32 and S3 echoes it");
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/hello.txt", ChecksumMode: "ENABLED" }));
  assert.equal(Buffer.from(await got.Body.transformToByteArray()).toString(), body.toString());
  assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
  assert.equal(got.Metadata.owner, "js");
  assert.equal(readFileSync(join(dataDir, "s3", ACCOUNT, bucket, "dir", "hello.txt")).toString(), body.toString());
});

test("a stream Body of unknown length goes as aws-chunked with a CRC32 trailer", async () => {
  const parts = [Buffer.from("stream-"), randomBytes(70000), Buffer.from("-end")];
  const body = Buffer.concat(parts);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "stream.bin", Body: Readable.from(parts),
    ContentLength: body.length }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "stream.bin" }));
  assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), body);
});

test("lib-storage Upload: multipart from a stream of unknown length", async () => {
  const chunks = [];
  for (let i = 0; i < 13; i++) chunks.push(randomBytes(1024 * 1024));
  const body = Buffer.concat(chunks);
  const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: "multi.bin", Body: Readable.from(chunks) },
    partSize: 5 * 1024 * 1024, queueSize: 2 });
  const result = await upload.done();
  assert.match(result.ETag, /-3"$/);
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "multi.bin" }));
  assert.equal(head.ContentLength, body.length);
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "multi.bin", Range: "bytes=5242870-5242889" }));
  assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), body.subarray(5242870, 5242890));
});

test("listing, copy, delete and errors", async () => {
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy.txt", CopySource: `${bucket}/dir/hello.txt` }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
  assert.deepEqual(listed.CommonPrefixes.map((p) => p.Prefix), ["dir/"]);
  assert.deepEqual(listed.Contents.map((o) => o.Key), ["copy.txt", "multi.bin", "stream.bin"]);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "copy.txt" }));
  const deleted = await s3.send(new DeleteObjectsCommand({ Bucket: bucket,
    Delete: { Objects: [{ Key: "stream.bin" }, { Key: "nothing" }] } }));
  assert.equal(deleted.Deleted.length, 2);
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "stream.bin" })),
    (e) => e instanceof NoSuchKey && e.$metadata.httpStatusCode === 404);
  await assert.rejects(bad.send(new PutObjectCommand({ Bucket: bucket, Key: "nope", Body: "x" })),
    (e) => e.name === "SignatureDoesNotMatch" && e.$metadata.httpStatusCode === 403);
  await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "bad-crc", Body: "x",
    ChecksumCRC32: "AAAAAA==" })), (e) => e.name === "BadDigest");
  assert.deepEqual(readdirSync(join(dataDir, "s3", ".tmp")), []);
});
