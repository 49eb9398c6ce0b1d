// Flexible checksums with the AWS SDK for JavaScript v3 against s3box.
// Driven by tests/integration/test_js_checksums.py: configuration from the
// environment, one JSON line of results on stdout.
// 1. PutObject of a stream (aws-chunked body, CRC32 trailer) then GetObject
//    with ChecksumMode ENABLED: the SDK validates the returned checksum.
// 2. @aws-sdk/lib-storage Upload of a multipart stream (it buffers each part,
//    so parts carry their CRC32 in a header), read back and compared.
import { Readable } from "node:stream";
import { createHash } from "node:crypto";
import {
  S3Client,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

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

// Record what the SDK really sent for PutObject and UploadPart.
const sent = [];
client.middlewareStack.add(
  (next, context) => async (args) => {
    if (["PutObjectCommand", "UploadPartCommand"].includes(context.commandName)) {
      const h = args.request.headers;
      const pick = (n) => h[n] ?? h[n.toLowerCase()] ?? null;
      sent.push({
        command: context.commandName,
        "content-encoding": pick("content-encoding"),
        "x-amz-trailer": pick("x-amz-trailer"),
        checksumHeaders: Object.keys(h).map((n) => n.toLowerCase())
          .filter((n) => n.startsWith("x-amz-checksum-")),
      });
    }
    return next(args);
  },
  { step: "deserialize", name: "recordSentHeaders" },
);

const bucket = env("S3BOX_BUCKET");
const md5 = (b) => createHash("md5").update(b).digest("hex");
const pattern = (size, seed) => {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * seed + (i >> 10)) & 0xff;
  return data;
};
const chunks = (data) => Readable.from((function* () {
  for (let off = 0; off < data.length; off += 65536) yield data.subarray(off, off + 65536);
})());

const readBack = async (key) => {
  const got = await client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
  );
  const bytes = Buffer.from(await got.Body.transformToByteArray());
  return {
    md5: md5(bytes),
    size: bytes.length,
    checksumCRC32: got.ChecksumCRC32 ?? null,
    checksumCRC64NVME: got.ChecksumCRC64NVME ?? null,
    checksumType: got.ChecksumType ?? null,
  };
};

const result = { sent, objects: {} };

const small = pattern(300_000, 7);
const put = await client.send(new PutObjectCommand({
  Bucket: bucket, Key: "js-put", Body: chunks(small), ContentLength: small.length,
}));
result.objects["js-put"] = {
  expectedMd5: md5(small), putChecksumCRC32: put.ChecksumCRC32 ?? null, ...(await readBack("js-put")),
};

const big = pattern(12 * 1024 * 1024 + 12345, 13);
const upload = new Upload({
  client,
  params: { Bucket: bucket, Key: "js-upload", Body: chunks(big) },
  partSize: 5 * 1024 * 1024,
  queueSize: 2,
});
const done = await upload.done();
const head = await client.send(
  new HeadObjectCommand({ Bucket: bucket, Key: "js-upload", ChecksumMode: "ENABLED" }),
);
result.objects["js-upload"] = {
  expectedMd5: md5(big),
  etag: done.ETag,
  headChecksumType: head.ChecksumType ?? null,
  ...(await readBack("js-upload")),
};
console.log(JSON.stringify(result));
