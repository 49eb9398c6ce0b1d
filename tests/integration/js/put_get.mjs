// PutObject then GetObject with the AWS SDK for JavaScript v3 against s3box.
// Driven by tests/integration/test_auth_js.py: configuration comes from the
// environment, one JSON line with what was sent and read goes to stdout.
// Uploads a Buffer (checksum in a header) and a stream (aws-chunked body with
// a checksum trailer), records the headers the SDK really sent, reads both back.
import { Readable } from "node:stream";
import { createHash } from "node:crypto";
import { S3Client, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const client = new S3Client({
  endpoint: env("S3BOX_ENDPOINT"),
  region: env("S3BOX_REGION"), // the server's: a scope for another region is refused
  forcePathStyle: true,
  credentials: { accessKeyId: env("S3BOX_ACCESS_KEY"), secretAccessKey: env("S3BOX_SECRET_KEY") },
  maxAttempts: 1,
});

// The deserialize step sees the request exactly as it went on the wire (signed).
const sent = {};
client.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === "PutObjectCommand") {
      const h = args.request.headers;
      const pick = (n) => h[n] ?? h[n.toLowerCase()] ?? null;
      sent[args.input.Key] = {
        "x-amz-content-sha256": pick("x-amz-content-sha256"),
        "content-encoding": pick("content-encoding"),
        "x-amz-trailer": pick("x-amz-trailer"),
        authorization: (pick("authorization") ?? "").split(" ")[0],
      };
    }
    return next(args);
  },
  { step: "deserialize", name: "recordSentHeaders" },
);

const bucket = env("S3BOX_BUCKET");
const size = Number(process.env.S3BOX_SIZE ?? "200000");
const data = Buffer.alloc(size);
for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
const md5 = (b) => createHash("md5").update(b).digest("hex");

const streamBody = () => Readable.from((function* () {
  for (let off = 0; off < size; off += 65536) yield data.subarray(off, off + 65536);
})());

const result = { sent, objects: {} };
for (const [key, body] of [["js-buffer", data], ["js-stream", streamBody()]]) {
  const put = await client.send(new PutObjectCommand({
    Bucket: bucket, Key: key, Body: body, ContentLength: size,
  }));
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await got.Body.transformToByteArray());
  result.objects[key] = {
    etag: put.ETag,
    checksumCRC32: put.ChecksumCRC32 ?? null,
    size: bytes.length,
    md5: md5(bytes),
    expectedMd5: md5(data),
  };
}
console.log(JSON.stringify(result));
