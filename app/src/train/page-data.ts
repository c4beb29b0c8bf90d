/** What the trainer trains on, wherever it came from (MNIST, a folder of PNG images, a CSV file). */
import type { Dataset, Standardizer } from 'vaekit';

export interface PageData {
  /** The data's name, recorded as the model's `provenance.dataset`: 'mnist' (so `vaekit evaluate` finds it), a folder's or a file's name. */
  name: string;
  /** Images [H, W, C] or table rows [D]. */
  kind: 'image' | 'table';
  /** Training examples [N, D], in the model's input units (pixels in [0, 1]; tables z-scored). */
  train: Dataset;
  /** Test examples [M, D], same units: the held-out −ELBO after each epoch. */
  test: Dataset;
  /** Raw values were divided by this (255 for 8-bit pixels, 1 for tables). */
  scale: number;
  /** Tables: the z-score transform fitted on the training split; null for images. */
  standardizer: Standardizer | null;
  /** Class k's name (a folder's class subfolders, MNIST's digits); null when unlabelled. */
  classNames: string[] | null;
  /** One line about the data for the page. */
  description: string;
}
