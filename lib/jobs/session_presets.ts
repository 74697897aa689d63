/**
 * Session-sized settings of the exercises for `deno task train --preset`:
 * each one the exercise's model, image size, batch and trainable scopes,
 * on a subset and an epoch count chosen so that the run finishes within
 * about 30 minutes on a 2-core laptop CPU. Flags given beside `--preset`
 * override it; `--checkpoint none` runs without the ImageNet checkpoint
 * (what this project's machines, which cannot download it, measure).
 *
 * @module
 */
import { UsageError } from "../util/mod.ts";

/** One exercise's session preset. */
export interface SessionPreset {
  /** The exercise notebook it stands for (`03`). */
  exercise: string;
  /** What it trains, in a line. */
  summary: string;
  /** The train flags it sets (before the user's, which override them). */
  flags: string[];
}

/** The presets by name (`session-03`). */
export const SESSION_PRESETS: Record<string, SessionPreset> = {
  "session-02": {
    exercise: "02",
    summary: "VGG-16 from scratch, all layers, 32×32 (224 takes days on a CPU)",
    flags: [
      "--model=vgg_16",
      "--image-size=32",
      "--batch=64",
      "--lr=0.0001",
      "--per-class=1000",
      "--test-per-class=200",
      "--epochs=5",
    ],
  },
  "session-03": {
    exercise: "03",
    summary: "VGG-16 from ImageNet, only the new fc8, 224×224, batch 100 (frozen layers cached)",
    flags: [
      "--model=vgg_16",
      "--image-size=224",
      "--batch=100",
      "--checkpoint=vgg_16",
      "--exclude=vgg_16/fc8",
      "--trainable=vgg_16/fc8",
      "--per-class=400",
      "--test-per-class=100",
      "--epochs=5",
    ],
  },
  "session-04": {
    exercise: "04",
    summary: "VGG-16 from ImageNet, all layers, 112×112 (a quarter of 224's cost), batch 32",
    flags: [
      "--model=vgg_16",
      "--image-size=112",
      "--batch=32",
      "--lr=0.0001",
      "--checkpoint=vgg_16",
      "--exclude=vgg_16/fc8",
      "--per-class=80",
      "--test-per-class=50",
      "--epochs=3",
    ],
  },
  "session-05": {
    exercise: "05",
    summary: "ResNet-V1-50 from ImageNet, only the new logits, 224×224, batch 100 (cached)",
    flags: [
      "--model=resnet_v1_50",
      "--image-size=224",
      "--batch=100",
      "--checkpoint=resnet_v1_50",
      "--exclude=resnet_v1_50/logits",
      "--trainable=resnet_v1_50/logits",
      "--per-class=400",
      "--test-per-class=50",
      "--epochs=5",
    ],
  },
};

/**
 * `args` with `--preset NAME` (or `--preset=NAME`) replaced by the preset's
 * flags, put first so that the user's own flags override them; the preset's
 * name, if any.
 */
export function expandPreset(args: string[]): { args: string[]; preset?: string } {
  const at = args.findIndex((a) => a === "--preset" || a.startsWith("--preset="));
  if (at < 0) return { args };
  const inline = args[at].startsWith("--preset=");
  const name = inline ? args[at].slice("--preset=".length) : args[at + 1];
  const preset = name === undefined ? undefined : SESSION_PRESETS[name];
  if (!preset) {
    throw new UsageError(
      `--preset: expected one of ${Object.keys(SESSION_PRESETS).join(", ")}, got '${name ?? ""}'`,
    );
  }
  const rest = [...args.slice(0, at), ...args.slice(at + (inline ? 1 : 2))];
  return { args: [...preset.flags, ...rest], preset: name };
}
