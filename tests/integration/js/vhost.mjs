// The AWS SDK for JavaScript v3 with its DEFAULT addressing (no forcePathStyle): given
// the endpoint http://localhost:PORT it sends every bucket request to
// http://BUCKET.localhost:PORT, as it would to BUCKET.s3.amazonaws.com. glibc does not
// resolve *.localhost, so this script's HTTP agent looks every *.localhost name up as
// 127.0.0.1 itself. Driven by tests/integration/test_js_web.py; one JSON line on stdout.
import http from "node:http";
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const hosts = [];
const lookup = (hostname, options, callback) => {
  hosts.push(hostname);
  if (hostname !== "localhost" && !hostname.endsWith(".localhost")) {
    callback(new Error(`refusing to resolve ${hostname}`));
  } else if (options && options.all) {
    callback(null, [{ address: "127.0.0.1", family: 4 }]);
  } else {
    callback(null, "127.0.0.1", 4);
  }
};

const client = new S3Client({
  endpoint: env("S3BOX_ENDPOINT"), // http://localhost:PORT
  region: env("S3BOX_REGION"),
  credentials: { accessKeyId: env("S3BOX_ACCESS_KEY"), secretAccessKey: env("S3BOX_SECRET_KEY") },
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup }) }),
});
const Bucket = env("S3BOX_BUCKET");

const put = await client.send(new PutObjectCommand({ Bucket, Key: "vhost/a.txt", Body: "virtual-hosted" }));
const got = await client.send(new GetObjectCommand({ Bucket, Key: "vhost/a.txt" }));
const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: "vhost/" }));
console.log(
  JSON.stringify({
    hosts: [...new Set(hosts)],
    put: { etag: put.ETag },
    get: { body: await got.Body.transformToString(), etag: got.ETag },
    list: (listed.Contents ?? []).map((o) => o.Key),
  }),
);
