/**
 * PyTorch `torch.save` files read without running anything: views (offset,
 * strides), dtypes, nested state dicts; pickled model objects, code in the
 * pickle, damaged archives and the legacy format refused by name.
 */
import assert from "node:assert/strict";
import { openWeights } from "../../lib/io/open_weights.ts";
import { TorchReader } from "../../lib/io/torch_pth.ts";
import { python, pythonHas } from "../helpers/tools.ts";
import { tempDir } from "../helpers/temp.ts";

const haveTorch = pythonHas("torch", "python3-torch");

Deno.test({
  name: "torch.save state dicts: views, dtypes, a wrapped state dict",
  ignore: !haveTorch,
  async fn() {
    const dir = await tempDir();
    python(
      "-c",
      `import torch, collections
sd = collections.OrderedDict()
base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
sd["plain"] = base.clone()
sd["transposed"] = base.t()            # a strided view
sd["sliced"] = base[1:, 1:3]           # offset and strides
sd["half"] = torch.tensor([1.0, -2.0], dtype=torch.float16)
sd["steps"] = torch.tensor(7)           # int64 scalar
sd["param"] = torch.nn.Parameter(torch.ones(2))
torch.save(sd, "${dir}/sd.pth")
torch.save({"epoch": 3, "state_dict": sd}, "${dir}/wrapped.pt")`,
    );
    for (const file of ["sd.pth", "wrapped.pt"]) {
      const f = await openWeights(`${dir}/${file}`);
      assert.equal(f.format, "torch");
      const get = async (n: string) => Array.from((await f.read(n)).data as ArrayLike<number>);
      assert.deepEqual(f.list().find((w) => w.name === "transposed")?.shape, [4, 3]);
      assert.deepEqual(await get("plain"), Array.from({ length: 12 }, (_, i) => i));
      assert.deepEqual(await get("transposed"), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
      assert.deepEqual(await get("sliced"), [5, 6, 9, 10]);
      assert.deepEqual(await get("half"), [0x3c00, 0xc000], "float16 bits");
      assert.deepEqual(Array.from((await f.read("steps")).data as BigInt64Array), [7n]);
      assert.deepEqual(await get("param"), [1, 1]);
      f.close();
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "refused: a pickled model object, code in the pickle; a damaged archive caught by CRC-32",
  ignore: !haveTorch,
  async fn() {
    const dir = await tempDir();
    const marker = `${dir}/ran`;
    python(
      "-c",
      `import torch, zipfile, os
torch.save(torch.nn.Linear(2, 2), "${dir}/model.pth")
class Evil:
    def __reduce__(self):
        return (os.system, ("touch ${marker}",))
torch.save({"w": torch.ones(1), "x": Evil()}, "${dir}/evil.pth")
torch.save({"w": torch.ones(1000)}, "${dir}/ok.pth")
`,
    );
    await assert.rejects(
      () => openWeights(`${dir}/model.pth`),
      /model\.pth: holds a pickled 'torch\.nn\.modules\.linear\.Linear', not only tensors: save model\.state_dict\(\)/,
    );
    await assert.rejects(
      () => openWeights(`${dir}/evil.pth`),
      /evil\.pth: holds a pickled '(posix|os)\.system'/,
    );
    assert.ok(!(await Deno.stat(marker).catch(() => undefined)), "nothing ran");
    // A flipped byte inside the storage: zip's CRC-32 catches it.
    const bytes = await Deno.readFile(`${dir}/ok.pth`);
    const at = bytes.findIndex((_, i) => i > 200 && bytes[i] === 0x3f && bytes[i - 1] === 0x80);
    bytes[at] ^= 0x01;
    await Deno.writeFile(`${dir}/ok.pth`, bytes);
    const f = await TorchReader.open(`${dir}/ok.pth`);
    await assert.rejects(
      () => f.read("w"),
      /ok\.pth: member '.*data\/0' fails its CRC-32 or size check/,
    );
    f.close();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "legacy torch.save files (torch < 1.6, as torchvision's published VGG weights) read too",
  ignore: !haveTorch,
  async fn() {
    const dir = await tempDir();
    python(
      "-c",
      `import torch, collections
sd = collections.OrderedDict()
base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
sd["features.0.weight"] = base.clone()
sd["transposed"] = base.t()
sd["half"] = torch.tensor([1.0, -2.0], dtype=torch.float16)
sd["bias"] = torch.arange(3, dtype=torch.float64)
torch.save(sd, "${dir}/legacy.pth", _use_new_zipfile_serialization=False)
# Bare float64 storages among tensors: a tensor stored after one sits past 8-byte elements.
mixed = {}
for i in range(3):
    mixed[f"raw{i}"] = torch.arange(5, dtype=torch.float64).storage()
    mixed[f"w{i}"] = torch.tensor([7.0 + i, 8.0])
torch.save(mixed, "${dir}/legacy_storage.pth", _use_new_zipfile_serialization=False)
torch.save(torch.nn.Linear(2, 2), "${dir}/legacy_model.pth", _use_new_zipfile_serialization=False)`,
    );
    const f = await openWeights(`${dir}/legacy.pth`);
    assert.equal(f.format, "torch");
    const get = async (n: string) => Array.from((await f.read(n)).data as ArrayLike<number>);
    assert.deepEqual(await get("features.0.weight"), Array.from({ length: 12 }, (_, i) => i));
    assert.deepEqual(await get("transposed"), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(await get("half"), [0x3c00, 0xc000]);
    assert.deepEqual(await get("bias"), [0, 1, 2]);
    f.close();
    const g = await openWeights(`${dir}/legacy_storage.pth`);
    assert.deepEqual(g.list().map((w) => w.name), ["w0", "w1", "w2"]);
    for (const i of [0, 1, 2]) {
      assert.deepEqual(Array.from((await g.read(`w${i}`)).data as Float32Array), [7 + i, 8]);
    }
    g.close();
    await assert.rejects(
      () => openWeights(`${dir}/legacy_model.pth`),
      /legacy_model\.pth: holds a pickled 'torch\.nn\.modules\.linear\.Linear'/,
    );
    await Deno.remove(dir, { recursive: true });
  },
});
