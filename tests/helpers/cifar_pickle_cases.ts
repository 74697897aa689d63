/** The committed python-version CIFAR fixtures and the records they hold. */
import { type CifarRecords, makeRecords } from "./cifar_files.ts";

export interface PickleCase {
  dir: string;
  protocol: number;
  variant: "cifar10" | "cifar100";
  files: { name: string; records: CifarRecords; extra: Record<string, unknown> }[];
}

function cifar10(protocol: number): PickleCase {
  return {
    dir: `p${protocol}/cifar-10-batches-py`,
    protocol,
    variant: "cifar10",
    files: [1, 2, 3, 4, 5].map((i) => {
      const records = makeRecords(2, 10, 10 + i);
      return { name: `data_batch_${i}`, records, extra: { labels: records.fine } };
    }),
  };
}

const c100 = makeRecords(4, 100, 3);

export const PICKLE_CASES: PickleCase[] = [
  cifar10(2),
  cifar10(4),
  cifar10(5),
  {
    dir: "p2/cifar-100-python",
    protocol: 2,
    variant: "cifar100",
    files: [{
      name: "train",
      records: c100,
      extra: { fine_labels: c100.fine, coarse_labels: c100.coarse },
    }],
  },
];
