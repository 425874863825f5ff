import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CIFAR10_URL, DataError, extractCifar10, loadCifar10 } from "../data/mod.ts";
import { cifarMembers, gzip, type Member, records, tar, writeArchive } from "./_data_fixtures.ts";

Deno.test("a local tar.gz is read without extracting, limits applied", async () => {
  const path = await writeArchive(cifarMembers(4, 3));
  const all = await loadCifar10({ data: path });
  assert.equal(all.train.size, 20);
  assert.equal(all.test.size, 3);
  assert.deepEqual(Array.from(all.train.labels.subarray(0, 5)), [1, 2, 3, 4, 2]);
  const some = await loadCifar10({ data: path, limitTrain: 3, limitTest: 2 });
  assert.equal(some.train.size, 3);
  assert.equal(some.test.size, 2);
});

Deno.test("a folder is read whether it is the batch folder or its parent", async () => {
  const path = await writeArchive(cifarMembers(2, 2));
  const dir = path.replace(/\/[^/]+$/, "");
  const folder = await extractCifar10(path, dir);
  assert.equal(folder, `${dir}/cifar-10-batches-bin`);
  assert.equal((await loadCifar10({ data: dir })).train.size, 10);
  assert.equal((await loadCifar10({ data: folder })).test.size, 2);
});

async function rejectsArchive(members: Member[], pattern: RegExp): Promise<void> {
  const path = await writeArchive(members);
  const dir = path.replace(/\/[^/]+$/, "");
  await assert.rejects(loadCifar10({ data: path }), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
  await assert.rejects(extractCifar10(path, `${dir}/out`), pattern);
  // Nothing was written for a rejected archive.
  await assert.rejects(Deno.stat(`${dir}/out/cifar-10-batches-bin`), Deno.errors.NotFound);
}

Deno.test("members escaping the target folder are rejected", async () => {
  await rejectsArchive(
    [...cifarMembers(1, 1), { name: "cifar-10-batches-bin/../../evil.sh", body: records([1]) }],
    /"cifar-10-batches-bin\/\.\.\/\.\.\/evil\.sh" escapes the target folder at byte \d+/,
  );
  await rejectsArchive(
    [...cifarMembers(1, 1), { name: "/etc/evil", body: records([1]) }],
    /"\/etc\/evil" escapes the target folder/,
  );
});

Deno.test("symbolic and hard links are rejected", async () => {
  await rejectsArchive(
    [...cifarMembers(1, 1), {
      name: "cifar-10-batches-bin/readme.html",
      type: "2",
      linkname: "/etc/passwd",
    }],
    /"cifar-10-batches-bin\/readme\.html" is a link/,
  );
  await rejectsArchive(
    [...cifarMembers(1, 1), {
      name: "cifar-10-batches-bin/readme.html",
      type: "1",
      linkname: "cifar-10-batches-bin/test_batch.bin",
    }],
    /is a link/,
  );
});

Deno.test("unexpected members are rejected", async () => {
  await rejectsArchive(
    [...cifarMembers(1, 1), { name: "cifar-10-batches-bin/run.sh", body: records([1]) }],
    /"cifar-10-batches-bin\/run\.sh" is not a CIFAR-10 member/,
  );
});

Deno.test("a truncated archive names the member and the byte offset inside it", async () => {
  const full = tar(cifarMembers(3, 3));
  // Cut inside data_batch_2.bin's body: header 512 + dir + batch 1 (9,219 bytes padded) ...
  const cut = full.subarray(0, 512 + 512 + 9728 + 512 + 5000);
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/cut.tar.gz`, await gzip(cut));
  await assert.rejects(
    loadCifar10({ data: `${dir}/cut.tar.gz` }),
    /cut\.tar\.gz: cifar-10-batches-bin\/data_batch_2\.bin is truncated at byte 5000$/,
  );
  // A gzip stream cut short is reported too.
  const gz = await gzip(full);
  await Deno.writeFile(`${dir}/short.tar.gz`, gz.subarray(0, gz.length - 200));
  await assert.rejects(
    loadCifar10({ data: `${dir}/short.tar.gz` }),
    /short\.tar\.gz.* at byte \d+/,
  );
});

Deno.test("a bad label inside an archive names the member and the byte offset", async () => {
  const members = cifarMembers(2, 2);
  members[6] = { name: "cifar-10-batches-bin/test_batch.bin", body: records([1, 10]) };
  await assert.rejects(
    loadCifar10({ data: await writeArchive(members) }),
    /cifar-10-binary\.tar\.gz: cifar-10-batches-bin\/test_batch\.bin has label 10 outside 0-9 in record 1 at byte 3073/,
  );
});

Deno.test("the default download verifies the official md5, caches, and is reused", async () => {
  const archive = await gzip(tar(cifarMembers(2, 2)));
  const md5 = createHash("md5").update(archive).digest("hex");
  const cacheDir = await Deno.makeTempDir();
  let calls = 0;
  const fakeFetch = ((url: string) => {
    calls++;
    assert.equal(url, CIFAR10_URL);
    return Promise.resolve(new Response(archive as BlobPart));
  }) as typeof fetch;
  // The official md5 does not match this tiny archive: rejected, nothing cached.
  await assert.rejects(
    loadCifar10({ cacheDir, fetch: fakeFetch }),
    new RegExp(
      `Cannot download CIFAR-10: .* has md5 ${md5}, expected c32a1d4ab5d03f1284b67883e8d87530`,
    ),
  );
  assert.deepEqual([...Deno.readDirSync(`${cacheDir}/cifar10`)], []);
  const first = await loadCifar10({ cacheDir, fetch: fakeFetch, md5 });
  assert.equal(first.train.size, 10);
  const second = await loadCifar10({ cacheDir, fetch: fakeFetch, md5 });
  assert.equal(second.source, `${cacheDir}/cifar10/cifar-10-batches-bin`);
  assert.equal(calls, 2);
});

Deno.test("with no network and no data the error says how to pass --data", async () => {
  const offline = (() => Promise.reject(new TypeError("error sending request"))) as typeof fetch;
  await assert.rejects(
    loadCifar10({ cacheDir: await Deno.makeTempDir(), fetch: offline }),
    /^DataError: Cannot download CIFAR-10: https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz cannot be downloaded \(error sending request\): pass --data/,
  );
  await assert.rejects(loadCifar10({ data: "/no/such/place" }), /\/no\/such\/place does not exist/);
});

Deno.test("limits reach across batch files of any size, in folders and archives", async () => {
  const path = await writeArchive(cifarMembers(4, 3));
  const dir = path.replace(/\/[^/]+$/, "");
  await extractCifar10(path, dir);
  for (const data of [path, dir]) {
    const some = await loadCifar10({ data, limitTrain: 10 });
    assert.equal(some.train.size, 10);
    assert.deepEqual(Array.from(some.train.labels.subarray(8)), [3, 4]); // from data_batch_3
  }
});

Deno.test("a bad archive from a URL is checked before caching: nothing cached, the URL named", async () => {
  const members = cifarMembers(2, 2);
  members[1] = { name: "cifar-10-batches-bin/data_batch_1.bin", body: records([1, 11]) };
  const bad = await gzip(tar(members));
  const good = await gzip(tar(cifarMembers(2, 2)));
  const cacheDir = await Deno.makeTempDir();
  let body = bad;
  const fakeFetch = (() => Promise.resolve(new Response(body as BlobPart))) as typeof fetch;
  const url = "https://example.com/cifar.tar.gz";
  await assert.rejects(
    loadCifar10({ data: url, cacheDir, fetch: fakeFetch }),
    /^DataError: Cannot download CIFAR-10: https:\/\/example\.com\/cifar\.tar\.gz is not a CIFAR-10 binary archive, so nothing was cached \(.*has label 11/,
  );
  const [dir] = [...Deno.readDirSync(cacheDir)];
  assert.deepEqual([...Deno.readDirSync(`${cacheDir}/${dir!.name}`)], []);
  body = good;
  assert.equal((await loadCifar10({ data: url, cacheDir, fetch: fakeFetch })).train.size, 10);
});

Deno.test("a bad cached copy is named, with the folder to delete", async () => {
  const cacheDir = await Deno.makeTempDir();
  const url = "https://example.com/c.tar.gz";
  const good = await gzip(tar(cifarMembers(2, 2)));
  const fakeFetch = (() => Promise.resolve(new Response(good as BlobPart))) as typeof fetch;
  await loadCifar10({ data: url, cacheDir, fetch: fakeFetch });
  const [dir] = [...Deno.readDirSync(cacheDir)];
  const folder = `${cacheDir}/${dir!.name}`;
  await Deno.writeFile(`${folder}/cifar-10-batches-bin/test_batch.bin`, new Uint8Array(100));
  await assert.rejects(
    loadCifar10({ data: url, cacheDir, fetch: fakeFetch }),
    new RegExp(`is a bad cached copy \\(.*\\): delete ${folder} to download it again`),
  );
});
