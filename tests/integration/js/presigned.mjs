// Presigned uploads with the AWS SDK for JavaScript v3 against s3box, the way a web
// app's backend hands them out: createPresignedPost (@aws-sdk/s3-presigned-post) posted
// as a multipart form with fetch + FormData, and getSignedUrl
// (@aws-sdk/s3-request-presigner) for a PUT and a GET. Driven by
// tests/integration/test_js_web.py: configuration from the environment, one JSON line
// with every status and body read back on stdout.
import { createHash } from "node:crypto";
import { S3Client, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const client = new S3Client({
  endpoint: env("S3BOX_ENDPOINT"),
  region: env("S3BOX_REGION"),
  forcePathStyle: true,
  credentials: { accessKeyId: env("S3BOX_ACCESS_KEY"), secretAccessKey: env("S3BOX_SECRET_KEY") },
  maxAttempts: 1,
});
const Bucket = env("S3BOX_BUCKET");
const md5 = (bytes) => createHash("md5").update(bytes).digest("hex");
const result = {};
// Each step's outcome is recorded, a failed one as { error }, so one refusal does not
// hide what the other steps did.
const step = async (name, run) => {
  try {
    result[name] = await run();
  } catch (error) {
    result[name] = { error: String(error?.cause ?? error) };
  }
};

// createPresignedPost: the policy limits the key prefix and the size; the form's fields
// go first and the file part last, as a browser sends it.
const postBody = Buffer.from("posted from node with FormData\n".repeat(100));
const post = await createPresignedPost(client, {
  Bucket,
  Key: "uploads/${filename}",
  Conditions: [["starts-with", "$key", "uploads/"], ["content-length-range", 1, 1048576]],
  Fields: { "Content-Type": "text/plain" },
  Expires: 300,
});
const form = new FormData();
for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
form.append("file", new Blob([postBody], { type: "text/plain" }), "post.txt");
result.form = { url: post.url, fields: Object.keys(post.fields).sort(), md5: md5(postBody) };
await step("post", async () => {
  const posted = await fetch(post.url, { method: "POST", body: form });
  return { status: posted.status, body: await posted.text(), etag: posted.headers.get("etag") };
});

// getSignedUrl for a PUT, then for a GET of what was put.
const putBody = Buffer.from("put through a presigned URL\n".repeat(50));
const putUrl = await getSignedUrl(client, new PutObjectCommand({ Bucket, Key: "signed/put.txt" }), {
  expiresIn: 300,
});
await step("put", async () => {
  const put = await fetch(putUrl, { method: "PUT", body: putBody });
  return { status: put.status, body: await put.text(), etag: put.headers.get("etag"), md5: md5(putBody) };
});
const getUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket, Key: "signed/put.txt" }), {
  expiresIn: 300,
});
await step("get", async () => {
  const got = await fetch(getUrl);
  const gotBytes = Buffer.from(await got.arrayBuffer());
  return { status: got.status, md5: md5(gotBytes), etag: got.headers.get("etag") };
});

// A presigned GET whose signature was tampered with is refused.
await step("tampered", async () => {
  const bad = await fetch(getUrl.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${"0".repeat(64)}`));
  return { status: bad.status, body: await bad.text() };
});

console.log(JSON.stringify(result));
