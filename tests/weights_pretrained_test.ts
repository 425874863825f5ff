import assert from "node:assert/strict";
import { PRETRAINED, resolveWeights, WeightsError } from "../weights/mod.ts";

function fakeFetch(body: Uint8Array<ArrayBuffer>, status = 200): typeof fetch {
  return (() =>
    Promise.resolve(new Response(status === 200 ? body : null, { status }))) as typeof fetch;
}

async function withCache(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("every VGG has published torchvision weights and Keras files carry checksums", () => {
  for (const m of ["vgg11", "vgg13", "vgg16", "vgg19"]) {
    for (const v of [m, `${m}_bn`]) {
      const f = PRETRAINED.find((p) => p.model === v && p.origin === "torchvision");
      assert.equal(
        f?.url,
        `https://huggingface.co/timm/${v}.tv_in1k/resolve/main/model.safetensors`,
      );
    }
  }
  const keras = PRETRAINED.filter((p) => p.origin === "keras" && p.model.startsWith("vgg"));
  assert.deepEqual(keras.map((k) => k.checksum), [
    "md5:64373286793e3c8b2b4e3219cbf3544b",
    "md5:cbe5617147190e668d6c5d5026f83318",
  ]);
});

Deno.test("every ResNet depth has torchvision's weights, and Keras' ResNet50/101/152 their MD5s", () => {
  for (const d of [18, 34, 50, 101, 152]) {
    const f = PRETRAINED.find((p) => p.model === `resnet${d}` && p.origin === "torchvision");
    assert.equal(
      f?.url,
      `https://huggingface.co/timm/resnet${d}.tv_in1k/resolve/main/model.safetensors`,
    );
  }
  const keras = PRETRAINED.filter((p) => p.origin === "keras" && p.model.startsWith("resnet"));
  assert.deepEqual(keras.map((k) => [k.model, k.checksum]), [
    ["resnet50", "md5:2cb95161c43110f7111970584f804107"],
    ["resnet101", "md5:f1aeb4b969a6efcfb50fad2f0c20cfc5"],
    ["resnet152", "md5:100835be76be38e30d865e96f2aaae62"],
  ]);
  assert.equal(
    keras[0]?.url,
    "https://storage.googleapis.com/tensorflow/keras-applications/resnet/" +
      "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
  );
});

Deno.test("offline with an empty cache names the file, where to put it and the local-path option", async () => {
  await withCache(async (dir) => {
    await assert.rejects(
      resolveWeights("vgg16", "imagenet", { cacheDir: dir, offline: true }),
      (e) => {
        assert.ok(e instanceof WeightsError);
        assert.equal(
          e.message,
          `Cannot find pretrained weights: vgg16.tv_in1k.safetensors: not in the cache folder ${dir} ` +
            `(offline): download https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors ` +
            `and save it as ${dir}/vgg16.tv_in1k.safetensors, or pass a local file instead: ` +
            `vgg16({ weights: "path/to/file" })`,
        );
        return true;
      },
    );
  });
});

Deno.test("a failed download gives the same guidance and leaves no partial file", async () => {
  await withCache(async (dir) => {
    const fetch = fakeFetch(new Uint8Array(0), 503);
    await assert.rejects(
      resolveWeights("vgg11_bn", "imagenet", { cacheDir: dir, fetch, log: () => {} }),
      /the download failed \(HTTP 503\): download https:\/\/huggingface\.co\/timm\/vgg11_bn\.tv_in1k/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("a download is cached, its SHA-256 recorded, and a changed file is rejected", async () => {
  await withCache(async (dir) => {
    const body = new TextEncoder().encode("pretend weights");
    const path = await resolveWeights("vgg13", "imagenet", {
      cacheDir: dir,
      fetch: fakeFetch(body),
      log: () => {},
    });
    assert.equal(path, `${dir}/vgg13.tv_in1k.safetensors`);
    assert.deepEqual(Deno.readFileSync(path), body);
    const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
    const hex = Array.from(sha, (b) => b.toString(16).padStart(2, "0")).join("");
    assert.equal(Deno.readTextFileSync(`${path}.sha256`), `${hex}\n`);
    // Offline now works from the cache.
    assert.equal(await resolveWeights("vgg13", "imagenet", { cacheDir: dir, offline: true }), path);
    Deno.writeFileSync(path, new TextEncoder().encode("tampered"));
    await assert.rejects(
      resolveWeights("vgg13", "imagenet", { cacheDir: dir, offline: true }),
      /^WeightsError: Pretrained weights failed verification: .*sha256 is [0-9a-f]{64}, expected/,
    );
  });
});

Deno.test("a Keras file with the wrong MD5 is rejected and not cached", async () => {
  await withCache(async (dir) => {
    await assert.rejects(
      resolveWeights("vgg16", "imagenet", {
        cacheDir: dir,
        origin: "keras",
        fetch: fakeFetch(new Uint8Array([1, 2, 3])),
        log: () => {},
      }),
      /md5 is 5289df737df57326fcdd22597afb1fac, expected 64373286793e3c8b2b4e3219cbf3544b/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("a local path is used as it is, and a missing one is an error", async () => {
  const here = new URL("./fixtures/vgg_tiny.h5", import.meta.url).pathname;
  assert.equal(await resolveWeights("vgg16", here), here);
  await assert.rejects(
    resolveWeights("vgg16", "/nonexistent/w.h5"),
    /^WeightsError: Cannot find weights: \/nonexistent\/w\.h5: no such file/,
  );
  await assert.rejects(
    resolveWeights("vgg13", "imagenet", { origin: "keras", offline: true }),
    /no keras weights are published for vgg13 \(available: torchvision\)/,
  );
});
