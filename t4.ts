import * as tf from "@tensorflow/tfjs";
import { buildVgg } from "./lib/models/vgg.ts";
import { createTrainStep } from "./lib/train/step.ts";
import { useBackend } from "./lib/backend/mod.ts";
await useBackend(Deno.args[0] as any ?? "auto");
const m = buildVgg("small", {numClasses:10, inputSize:32});
const step = createTrainStep(m);
const x = tf.randomNormal([64,32,32,3]) as tf.Tensor4D; const y = tf.tensor1d(Array.from({length:64},(_, i)=>i%10), "int32");
for (let i=0;i<12;i++){ const t=performance.now(); const r = step.run(x,y); console.log(i, r.loss.toFixed(4), r.accuracy, (64/((performance.now()-t)/1000)).toFixed(1), "img/s", tf.memory().numTensors); }
